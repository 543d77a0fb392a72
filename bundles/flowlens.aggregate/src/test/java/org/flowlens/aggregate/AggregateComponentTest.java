package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.query.Metric;
import org.junit.jupiter.api.Test;

/** The DS component's configuration handling, driven as SCR would (activate, modified, deactivate). */
class AggregateComponentTest {
    /** A Config whose attributes are the annotation defaults except those given. */
    static AggregateComponent.Config config(Map<String, Object> overrides) {
        return Configs.of(AggregateComponent.Config.class, overrides);
    }

    @Test
    void invalidConfigurationKeepsTheLastGoodOne() {
        AggregateComponent c = new AggregateComponent();
        c.start(config(Map.of()), null);
        try {
            assertEquals(Settings.defaults().capacities.keySet().stream().toList(), c.dimensions());
            assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1)), c.windows());

            c.modified(config(Map.of("dimensions", new String[] {"src_addr", "dst_port+protocol"}, "windows",
                    new String[] {"30s", "10m"})));
            assertEquals(List.of("src_addr", "dst_port+protocol"), c.dimensions());
            assertEquals(List.of(Duration.ofSeconds(30), Duration.ofMinutes(10)), c.windows());

            for (Map<String, Object> bad : List.of(Map.<String, Object>of("windows", new String[] {"soon"}),
                    Map.<String, Object>of("dimensions", new String[] {"src_addr+colour"}),
                    Map.<String, Object>of("memoryBudgetMb", 0), Map.<String, Object>of("refresh", "1h"))) {
                c.modified(config(bad));
                assertEquals(List.of("src_addr", "dst_port+protocol"), c.dimensions(), "after " + bad.keySet());
                assertEquals(List.of(Duration.ofSeconds(30), Duration.ofMinutes(10)), c.windows());
            }
            c.accept(Streams.batch(Streams.records(10, 2, 2, 0, 1), 0, 10));
            assertEquals(10, c.totals().flows());
            assertTrue(c.top(Duration.ofSeconds(30), "src_addr", Metric.BYTES, 5).groups().size() <= 2);
        } finally {
            c.deactivate();
        }
    }

    @Test
    void theNextInstanceGoesOnFromTheAggregatesOfThePrevious(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path saved = dir.resolve("aggregates.bin");
        AggregateComponent first = new AggregateComponent();
        first.start(config(Map.of()), saved);
        first.accept(Streams.batch(Streams.records(1000, 5, 5, 0, 3), 0, 1000));
        long since = first.totals().sinceMillis();
        first.deactivate();
        assertTrue(java.nio.file.Files.size(saved) > 0, "saved when it stops");

        AggregateComponent second = new AggregateComponent();
        second.start(config(Map.of("dimensions", new String[] {"src_addr", "dst_addr"})), saved);
        try {
            assertEquals(1000, second.totals().flows());
            assertEquals(since, second.totals().sinceMillis());
            assertEquals(1000, second.top(Duration.ofMinutes(1), "src_addr", Metric.FLOWS, 10).groups().stream()
                    .mapToLong(org.flowlens.api.query.Group::flows).sum());
            assertTrue(java.nio.file.Files.exists(saved), "the saved aggregates stay until the next save replaces them");
        } finally {
            second.deactivate();
        }
        java.nio.file.Files.write(saved, new byte[] {1, 2, 3});
        AggregateComponent third = new AggregateComponent();
        third.start(config(Map.of()), saved);
        try {
            assertEquals(0, third.totals().flows(), "damaged saved aggregates: it starts afresh");
            assertTrue(!java.nio.file.Files.exists(saved), "and removes them");
        } finally {
            third.deactivate();
        }
    }

    @Test
    void afterACrashTheNextInstanceGoesOnFromTheLastCheckpoint(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path saved = dir.resolve("aggregates.bin");
        AggregateComponent running = new AggregateComponent();
        running.start(config(Map.of("checkpoint", "1s")), saved);
        try {
            running.accept(Streams.batch(Streams.records(1000, 5, 5, 0, 3), 0, 1000));
            // the checkpoint is moved into place: wait for that event, 20 s at most
            try (java.nio.file.WatchService watch = dir.getFileSystem().newWatchService()) {
                dir.register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (!java.nio.file.Files.exists(saved) && System.nanoTime() < deadline) {
                    java.nio.file.WatchKey key = watch.poll(deadline - System.nanoTime(), java.util.concurrent.TimeUnit.NANOSECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                    }
                }
            }
            assertTrue(java.nio.file.Files.exists(saved), "a checkpoint within 20 s");
            // the process dies here: what the next start finds is the checkpoint
            java.nio.file.Path crashed = dir.resolve("crashed.bin");
            java.nio.file.Files.copy(saved, crashed);
            AggregateComponent next = new AggregateComponent();
            next.start(config(Map.of()), crashed);
            try {
                assertEquals(1000, next.totals().flows());
                assertEquals(running.totals().sinceMillis(), next.totals().sinceMillis());
            } finally {
                next.deactivate();
            }
        } finally {
            running.deactivate();
        }
    }

    @Test
    void checkpointIntervalsAreChecked() {
        AggregateComponent c = new AggregateComponent();
        assertEquals(null, c.problem(AggregateComponent.PID, Map.of("checkpoint", "0")));
        assertEquals(null, c.problem(AggregateComponent.PID, Map.of("checkpoint", "30s")));
        String refused = c.problem(AggregateComponent.PID, Map.of("checkpoint", "10ms"));
        assertTrue(refused != null && refused.contains("at least 1s"), refused);
        assertTrue(c.problem(AggregateComponent.PID, Map.of("checkpoint", "soon")) != null);
    }

    @Test
    void itsCheckTellsWhatALiveChangeWouldRefuse() {
        AggregateComponent c = new AggregateComponent();
        assertEquals(null, c.problem(AggregateComponent.PID, Map.of("windows", new String[] {"30s", "10m"})));
        String refused = c.problem(AggregateComponent.PID, Map.of("dimensions", new String[] {"src_addr+colour"}));
        assertTrue(refused != null && refused.contains("colour"), refused);
        assertTrue(c.problem(AggregateComponent.PID, Map.of("windows", "banana")) != null);
    }

    @Test
    void anInvalidFirstConfigurationStartsWithTheDefaults() {
        AggregateComponent c = new AggregateComponent();
        c.start(config(Map.of("bucket", "0s")), null);
        try {
            assertEquals(Settings.defaults().windows, c.windows());
        } finally {
            c.deactivate();
        }
    }
}
