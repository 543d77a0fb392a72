package org.flowlens.itest.plugin;

import java.util.concurrent.CountDownLatch;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/** A consumer plugin that blocks in its first batch (a lost lock, a dead server) until it is stopped. */
@Component(property = FlowConsumer.NAME + "=itest-blocking")
public class BlockingConsumer implements FlowConsumer {
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public void accept(FlowBatch batch) {
        while (stopped.getCount() > 0) {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                // keeps blocking, as code that swallows interrupts does
            }
        }
    }

    @Deactivate
    void deactivate() {
        stopped.countDown();
    }
}
