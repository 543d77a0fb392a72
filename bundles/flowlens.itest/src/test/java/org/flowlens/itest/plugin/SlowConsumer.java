package org.flowlens.itest.plugin;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.service.component.annotations.Component;

/** A consumer plugin that takes 20 ms per batch, whatever its size: far slower than the stream. */
@Component(property = FlowConsumer.NAME + "=itest-slow")
public class SlowConsumer implements FlowConsumer {
    @Override
    public void accept(FlowBatch batch) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
}
