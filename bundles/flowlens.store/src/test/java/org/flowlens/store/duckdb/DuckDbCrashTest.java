package org.flowlens.store.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.query.Metric;
import org.flowlens.api.store.TopTalkers;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.sql.FlowWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM writes heavily into a DuckDB store and is killed with SIGKILL while it
 * writes; the file must open again without repair and hold every record the child saw committed,
 * nothing it never accepted, and rollups that agree with the raw records. Twice: the second
 * child reopens the file the first one left.
 */
class DuckDbCrashTest {
    private static final String FLUSH = "250ms";
    private static final int FLUSHES_BEFORE_KILL = 4;
    private static final int BATCHES_AFTER_LAST_FLUSH = 40;
    private static final long STEP_TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    private record Round(long flushed, long accepted, int flushes, long writingMillis) {}

    private Round crashOnce(Path file, int firstId) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                file.toString(), FLUSH, Integer.toString(firstId)).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read error " + e);
            } finally {
                lines.add("<eof>");
            }
        }, "crash-child-output");
        reader.start();
        long flushed = 0;
        long accepted = 0;
        int flushes = 0;
        int batchesSinceFlush = 0;
        List<String> other = new ArrayList<>();
        long start = 0;
        try {
            while (flushes < FLUSHES_BEFORE_KILL || batchesSinceFlush < BATCHES_AFTER_LAST_FLUSH) {
                String line = lines.poll(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (line == null || line.equals("<eof>")) {
                    throw new AssertionError("the writer stopped before it was killed: " + other);
                }
                if (line.startsWith("flushed ")) {
                    flushed = Math.max(flushed, Long.parseLong(line.substring(8)));
                    flushes++;
                    batchesSinceFlush = 0;
                } else if (line.startsWith("accepted ")) {
                    accepted = Long.parseLong(line.substring(9));
                    batchesSinceFlush++;
                    if (start == 0) {
                        start = System.nanoTime();
                    }
                } else if (other.size() < 50) {
                    other.add(line);
                }
            }
        } finally {
            // SIGKILL on Linux: no shutdown hook, no close, no checkpoint
            p.destroyForcibly();
        }
        long writing = (System.nanoTime() - start) / 1_000_000;
        assertTrue(p.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        // what the child printed before it died still counts
        String line;
        while ((line = lines.poll(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) != null && !line.equals("<eof>")) {
            if (line.startsWith("flushed ")) {
                flushed = Math.max(flushed, Long.parseLong(line.substring(8)));
                flushes++;
            } else if (line.startsWith("accepted ")) {
                accepted = Long.parseLong(line.substring(9));
            }
        }
        return new Round(flushed, accepted, flushes, writing);
    }

    @Test
    void reopensAfterKillMinus9WithEveryCommittedRecord() throws Exception {
        Path file = dir.resolve("flows.duckdb");
        long before = 0;
        for (int round = 0; round < 2; round++) {
            Round r = crashOnce(file, round * 50_000_000);
            DuckDbStore store = new DuckDbStore(new MetricsRegistry(), Configs.of(file), System::currentTimeMillis);
            try {
                long present = store.status().storedRecords() - before;
                long lost = r.accepted() - present;
                double rate = r.accepted() * 1000.0 / Math.max(1, r.writingMillis());
                System.out.printf("crash round %d: killed after %d ms of writing and %d commits; %d records accepted, %d acknowledged "
                        + "as committed, %d present after reopening, %d lost (%.0f ms of input at %.0f records/s; flush interval %s)%n",
                        round + 1, r.writingMillis(), r.flushes(), r.accepted(), r.flushed(), present, lost, lost * 1000.0 / Math.max(1, rate),
                        rate, FLUSH);
                assertTrue(r.flushed() > 0, "the child committed before it was killed");
                assertTrue(present >= r.flushed(), "every record acknowledged as committed is there: " + present + " < " + r.flushed());
                assertTrue(present <= r.accepted() + CrashWriter.BATCH, "nothing appears that was never accepted: " + present
                        + " > " + r.accepted());
                // what was lost had not been committed yet: at most what the child ran ahead plus one commit's worth
                assertTrue(lost <= CrashWriter.AHEAD + FlowWriter.MAX_STAGED + CrashWriter.BATCH, "lost " + lost);
                long now = System.currentTimeMillis();
                TopTalkers t = store.topTalkers(now - 86_400_000L, now + 60_000, Metric.FLOWS, 1);
                assertEquals(before + present, t.totalFlows(), "rollups of the late records agree with the raw records");
                before += present;
            } finally {
                store.deactivate();
            }
        }
    }
}
