package org.flowlens.store.duckdb;

import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.sql.SqlFlowStore;
import org.flowlens.store.sql.Traffic;

/**
 * The child process of {@link DuckDbCrashTest}: writes records into a DuckDB store as fast as the
 * writer commits them until it is killed. It prints {@code accepted N} after handing each batch to
 * the store and {@code flushed N} after each commit, N counting records since it started. One
 * record in ten is filed two hours back, so commits also write rollups.
 */
public final class CrashWriter {
    static final int BATCH = 1_000;
    /** The child feeds no further ahead of the writer than this: it writes as fast as the store commits. */
    static final int AHEAD = 50_000;

    private CrashWriter() {}

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        String flush = args[1];
        int firstId = Integer.parseInt(args[2]);
        DuckDbStore store = new DuckDbStore(new MetricsRegistry(),
                Configs.of(file, flush, 2_000_000, 7, 13, new String[0], "received", 512, 0), System::currentTimeMillis);
        SqlFlowStore s = store.store();
        s.writer().commitListener(written -> {
            synchronized (System.out) {
                System.out.println("flushed " + written);
                System.out.flush();
            }
        });
        // the store encodes a batch while accept() runs, so the records can be reused for the next one
        FlowBatch b = new FlowBatch(BATCH);
        for (int i = 0; i < BATCH; i++) {
            b.add(Traffic.record(firstId + i, 0));
        }
        long accepted = 0;
        while (true) {
            if (s.writer().queued() > AHEAD) {
                // never let the queue overflow: every accepted record is one the store must keep or lose in the crash
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            long now = System.currentTimeMillis();
            for (int i = 0; i < BATCH; i++) {
                b.get(i).receivedMillis(i % 10 == 0 ? now - 7_200_000 : now);
            }
            s.accept(b);
            accepted += BATCH;
            synchronized (System.out) {
                System.out.println("accepted " + accepted);
                System.out.flush();
            }
        }
    }
}
