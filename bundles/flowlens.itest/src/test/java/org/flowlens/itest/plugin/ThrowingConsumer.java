package org.flowlens.itest.plugin;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.service.component.annotations.Component;

/** A consumer plugin with a bug: it throws on every batch. */
@Component(property = FlowConsumer.NAME + "=itest-throwing")
public class ThrowingConsumer implements FlowConsumer {
    @Override
    public void accept(FlowBatch batch) {
        throw new IllegalStateException("a consumer plugin bug (deliberate, from the failure isolation test)");
    }
}
