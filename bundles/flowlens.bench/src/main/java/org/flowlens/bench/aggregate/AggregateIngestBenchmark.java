package org.flowlens.bench.aggregate;

import java.util.concurrent.TimeUnit;

import org.flowlens.aggregate.Aggregator;
import org.flowlens.aggregate.Settings;
import org.flowlens.api.flow.FlowBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ingest into every default window and dimension on one thread: records per second. The same
 * thread also runs the refresh (freezing panes, merging slots, rebuilding the four windows) every
 * 5 s of simulated time, so its cost is included: the simulated clock advances 1 ms every
 * {@code batchesPerMilli} batches of 256 records (20: 5.1 M records per simulated second).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@State(Scope.Thread)
public class AggregateIngestBenchmark {
    static final int BATCH = 256;

    Traffic traffic;
    Aggregator aggregator;
    long now;
    int next;
    int tick;

    @Param({"20"})
    public int batchesPerMilli;

    @Setup(Level.Trial)
    public void setUp() {
        traffic = new Traffic(1 << 17, BATCH, 20_000, 100_000, 42);
        now = 1_700_000_000_000L;
        aggregator = new Aggregator(Settings.defaults(), () -> now, Runnable::run);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void ingest() {
        FlowBatch b = traffic.batches[next];
        next = next + 1 == traffic.batches.length ? 0 : next + 1;
        if (++tick == batchesPerMilli) {
            tick = 0;
            now++;
            if (now % 5000 == 0) {
                aggregator.refresh();
            }
        }
        Traffic.stamp(b, now);
        aggregator.accept(b);
    }
}
