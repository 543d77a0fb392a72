package org.flowlens.detect;

import java.util.ArrayList;
import java.util.List;

import org.flowlens.detect.engine.Ticker;

/** A ticker whose time the test moves; due tasks run in time order on the test's thread. */
public final class ManualTicker implements Ticker {
    private static final class Scheduled implements Task {
        final Runnable task;
        final long period;
        long due;
        boolean cancelled;

        Scheduled(Runnable task, long period, long due) {
            this.task = task;
            this.period = period;
            this.due = due;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final List<Scheduled> tasks = new ArrayList<>();
    private long now;

    public ManualTicker(long start) {
        this.now = start;
    }

    @Override
    public synchronized long now() {
        return now;
    }

    @Override
    public synchronized Task schedule(String name, Runnable task, long periodMillis) {
        Scheduled s = new Scheduled(task, periodMillis, now + periodMillis);
        tasks.add(s);
        return s;
    }

    /** Moves time forward by {@code millis}, running every task that falls due on the way, at its due time. */
    public void advance(long millis) {
        long end;
        synchronized (this) {
            end = now + millis;
        }
        while (true) {
            Scheduled next = null;
            synchronized (this) {
                tasks.removeIf(t -> t.cancelled);
                for (Scheduled t : tasks) {
                    if (t.due <= end && (next == null || t.due < next.due)) {
                        next = t;
                    }
                }
                if (next == null) {
                    now = end;
                    return;
                }
                now = Math.max(now, next.due);
                next.due += next.period;
            }
            next.task.run();
        }
    }

    public synchronized int tasks() {
        tasks.removeIf(t -> t.cancelled);
        return tasks.size();
    }
}
