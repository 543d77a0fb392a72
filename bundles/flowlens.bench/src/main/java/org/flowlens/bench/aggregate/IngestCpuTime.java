package org.flowlens.bench.aggregate;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.flowlens.aggregate.Aggregator;
import org.flowlens.aggregate.Settings;
import org.flowlens.api.flow.FlowBatch;

/**
 * Ingest cost in thread CPU time, which other processes on the machine do not inflate: the same
 * traffic, clock and refresh schedule as {@link AggregateIngestBenchmark}, every default window and
 * dimension, refresh included. Also reports the bytes the ingest calls allocate per record
 * (refresh excluded: it builds the published snapshots) and, with {@code --each}, the cost of each
 * default dimension alone on top of the fixed part.
 *
 * <p>Run: {@code java -cp benchmarks.jar org.flowlens.bench.aggregate.IngestCpuTime [seconds] [--each]
 * [--dimensions=a,b,...] [--budget=MB] [--pool=records]} (the default dimensions, budget and a pool
 * of 131,072 records unless given; empty dimensions for none).
 */
public final class IngestCpuTime {
    private IngestCpuTime() {}

    /** The memory budget of the runs, in megabytes (the default configuration's unless given). */
    private static int budgetMb;

    public static void main(String[] args) {
        double seconds = 20;
        boolean each = false;
        List<String> dims = Settings.DEFAULT_DIMENSIONS;
        budgetMb = 256;
        int pool = 1 << 17;
        for (String a : args) {
            if (a.equals("--each")) {
                each = true;
            } else if (a.startsWith("--budget=")) {
                budgetMb = Integer.parseInt(a.substring("--budget=".length()));
            } else if (a.startsWith("--pool=")) {
                pool = Integer.parseInt(a.substring("--pool=".length()));
            } else if (a.startsWith("--dimensions=")) {
                String v = a.substring("--dimensions=".length());
                dims = v.isEmpty() ? List.of() : List.of(v.split(","));
            } else {
                seconds = Double.parseDouble(a);
            }
        }
        Traffic traffic = new Traffic(pool, AggregateIngestBenchmark.BATCH, 20_000, 100_000, 42);
        System.out.printf("load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Result all = run(traffic, dims, seconds);
        System.out.printf("%s %d dimensions: %s%n", dims.equals(Settings.DEFAULT_DIMENSIONS) ? "all" : "these", dims.size(), all);
        if (each) {
            Result none = run(traffic, List.of(), seconds / 4);
            System.out.printf("fixed part (no dimension): %s%n", none);
            for (String d : Settings.DEFAULT_DIMENSIONS) {
                Result r = run(traffic, List.of(d), seconds / 4);
                System.out.printf("  + %-22s %6.1f ns per record%n", d, r.nsPerRecord - none.nsPerRecord);
            }
        }
        System.out.printf("load average %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static final class Result {
        double nsPerRecord;
        double allocatedPerRecord;
        long records;
        double[] rounds;

        @Override
        public String toString() {
            return String.format("%.1f ns per record (%.2f M records per CPU-second; rounds %s), %.3f bytes allocated per "
                    + "record by ingest, %d records", nsPerRecord, 1000 / nsPerRecord, Arrays.toString(rounds),
                    allocatedPerRecord, records);
        }
    }

    /** Warms up for a third of the time, then measures five rounds and reports the median. */
    static Result run(Traffic traffic, List<String> dimensions, double seconds) {
        Settings s = new Settings(Settings.DEFAULT_WINDOWS, "5s", dimensions, 100, budgetMb, "5s", "received", "60s", "6h");
        long[] now = {1_700_000_000_000L};
        Aggregator a = new Aggregator(s, () -> now[0], Runnable::run);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        int[] state = new int[2]; // next batch, tick
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        while (System.nanoTime() < warmEnd) {
            for (int i = 0; i < 1000; i++) {
                step(traffic, a, now, state, null);
            }
        }
        int rounds = 5;
        List<Double> ns = new ArrayList<>();
        long records = 0;
        long[] alloc = new long[1];
        long roundNanos = (long) (seconds * 2 / 3 / rounds * 1e9);
        for (int round = 0; round < rounds; round++) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            long end = System.nanoTime() + roundNanos;
            long n = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 1000; i++) {
                    step(traffic, a, now, state, alloc);
                }
                n += 1000L * AggregateIngestBenchmark.BATCH;
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            ns.add((double) cpu / n);
            records += n;
        }
        double[] r = ns.stream().mapToDouble(Double::doubleValue).toArray();
        double[] sorted = r.clone();
        Arrays.sort(sorted);
        Result out = new Result();
        out.nsPerRecord = sorted[rounds / 2];
        out.rounds = Arrays.stream(r).map(x -> Math.round(x * 10) / 10.0).toArray();
        out.records = records;
        out.allocatedPerRecord = (double) alloc[0] / records;
        if (a.totals().flows() == 0) {
            throw new IllegalStateException("nothing counted");
        }
        return out;
    }

    /** One batch, as {@link AggregateIngestBenchmark#ingest} does it; adds the bytes accept allocated to {@code alloc[0]}. */
    private static void step(Traffic traffic, Aggregator a, long[] now, int[] state, long[] alloc) {
        FlowBatch b = traffic.batches[state[0]];
        state[0] = state[0] + 1 == traffic.batches.length ? 0 : state[0] + 1;
        if (++state[1] == 20) {
            state[1] = 0;
            now[0]++;
            if (now[0] % 5000 == 0) {
                a.refresh();
            }
        }
        Traffic.stamp(b, now[0]);
        if (alloc == null) {
            a.accept(b);
        } else {
            com.sun.management.ThreadMXBean mx = MX;
            long before = mx.getCurrentThreadAllocatedBytes();
            a.accept(b);
            alloc[0] += mx.getCurrentThreadAllocatedBytes() - before;
        }
    }

    private static final com.sun.management.ThreadMXBean MX =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
}
