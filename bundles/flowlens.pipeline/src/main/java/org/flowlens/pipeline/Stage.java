package org.flowlens.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.flowlens.api.flow.FlowBatch;

/**
 * A bounded queue and the workers that drain it. The pipeline replaces its stage when the worker
 * count or queue size changes; the old stage hands over everything it still holds.
 */
final class Stage {
    private final BlockingQueue<FlowBatch> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    Stage(int workerCount, int capacity, Consumer<FlowBatch> work, int generation) {
        queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
        for (int i = 0; i < workerCount; i++) {
            Thread t = new Thread(() -> drain(work), "flowlens-pipeline-" + generation + "-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
        workers.forEach(Thread::start);
    }

    /**
     * @return 1 when queued, 0 when the queue is full, -1 when the stage is closed and the caller
     *         must try the pipeline's current stage
     */
    int offer(FlowBatch batch) {
        inFlight.incrementAndGet();
        try {
            if (closed) {
                return -1;
            }
            return queue.offer(batch) ? 1 : 0;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    int length() {
        return queue.size();
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    private void drain(Consumer<FlowBatch> work) {
        while (!closed) {
            FlowBatch batch;
            try {
                batch = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            if (batch != null) {
                work.accept(batch);
            }
        }
    }

    /**
     * Stops accepting, waits for the workers to finish their current batch and returns what is
     * still queued, in order, for the next stage.
     */
    List<FlowBatch> close() {
        closed = true;
        while (inFlight.get() > 0) {
            Thread.onSpinWait();
        }
        for (Thread t : workers) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<FlowBatch> rest = new ArrayList<>(queue.size());
        queue.drainTo(rest);
        return rest;
    }
}
