package org.flowlens.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
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
    /** Workers that were replaced while stuck in a call; each one ends when its call returns. */
    private final Set<Thread> replaced = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Consumer<FlowBatch> work;
    private final String namePrefix;
    private int started;
    private volatile boolean closed;

    Stage(int workerCount, int capacity, Consumer<FlowBatch> work, int generation) {
        queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
        this.work = work;
        namePrefix = "flowlens-pipeline-" + generation + "-";
        for (int i = 0; i < workerCount; i++) {
            workers.add(worker());
        }
        workers.forEach(Thread::start);
    }

    private Thread worker() {
        Thread t = new Thread(this::drain, namePrefix + started++);
        t.setDaemon(true);
        return t;
    }

    /**
     * Starts a worker in place of {@code stuck}, a worker of this stage that is stuck in a call, so
     * that the stage keeps its number of working threads; {@code stuck} ends once its call returns.
     * At most 64 replacements are outstanding.
     */
    synchronized void replace(Thread stuck) {
        if (closed || !workers.contains(stuck) || replaced.size() >= 64 || !replaced.add(stuck)) {
            return;
        }
        workers.removeIf(w -> !w.isAlive());
        Thread t = worker();
        workers.add(t);
        t.start();
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

    private void drain() {
        while (!closed && !replaced.remove(Thread.currentThread())) {
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
        List<Thread> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(workers);
        }
        while (inFlight.get() > 0) {
            Thread.onSpinWait();
        }
        for (Thread t : all) {
            if (replaced.contains(t)) {
                continue; // stuck in a call: it ends when the call returns, and its batch goes on from there
            }
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
