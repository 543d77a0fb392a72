package org.flowlens.detect.engine;

/**
 * The clock and the timer detectors evaluate on. One thread serves every detector of the bundle;
 * tests use a manual ticker whose time they move.
 */
public interface Ticker {
    /** Handle of a periodic task. */
    interface Task {
        void cancel();
    }

    /** The current time, epoch milliseconds. */
    long now();

    /** Runs {@code task} every {@code periodMillis}, the first time one period from now. */
    Task schedule(String name, Runnable task, long periodMillis);
}
