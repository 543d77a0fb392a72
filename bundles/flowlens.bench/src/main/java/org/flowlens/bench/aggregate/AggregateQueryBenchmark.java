package org.flowlens.bench.aggregate;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.flowlens.aggregate.Aggregator;
import org.flowlens.aggregate.Settings;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.HostTop;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.TopN;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Top-N query latency over the 1 h window while another thread ingests at full speed (and
 * refreshes the windows every 5 s of simulated time). The 1 h window is filled before measuring.
 * Read the percentiles of the {@code query} rows (sample mode).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx3g"})
@State(Scope.Group)
public class AggregateQueryBenchmark {
    static final Duration HOUR = Duration.ofHours(1);

    Traffic traffic;
    Aggregator aggregator;
    volatile long now;
    int next;

    @Setup(Level.Trial)
    public void setUp() {
        traffic = new Traffic(1 << 17, 256, 20_000, 100_000, 7);
        now = 1_700_000_000_000L;
        aggregator = new Aggregator(Settings.defaults(), () -> now, Runnable::run);
        // one hour of traffic: 720 buckets of 5 s, 40 batches each
        for (int bucket = 0; bucket < 720; bucket++) {
            for (int i = 0; i < 40; i++) {
                ingestOne(125);
            }
            aggregator.refresh();
        }
    }

    private void ingestOne(long step) {
        FlowBatch b = traffic.batches[next];
        next = next + 1 == traffic.batches.length ? 0 : next + 1;
        now += step;
        Traffic.stamp(b, now);
        aggregator.accept(b);
    }

    @Benchmark
    @Group("underLoad")
    @GroupThreads(1)
    public void ingest() {
        ingestOne(1);
        if (now % 5000 == 0) {
            aggregator.refresh();
        }
    }

    @Benchmark
    @Group("underLoad")
    @GroupThreads(1)
    public TopN query() {
        return aggregator.top(HOUR, FlowQueryService.SESSIONS, Metric.BYTES, 100);
    }

    @Benchmark
    @Group("underLoadHosts")
    @GroupThreads(1)
    public void ingestForHosts() {
        ingest();
    }

    @Benchmark
    @Group("underLoadHosts")
    @GroupThreads(1)
    public HostTop queryHosts() {
        return aggregator.hosts(HOUR, Metric.BYTES, 100);
    }
}
