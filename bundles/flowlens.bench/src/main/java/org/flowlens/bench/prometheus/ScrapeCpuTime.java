package org.flowlens.bench.prometheus;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * CPU time and wall clock per {@code GET /metrics} with 50,000 flow series per metric while a
 * second thread keeps ingesting records of the same keys: the figure to quote from a shared
 * machine, where wall clock mostly measures the neighbours.
 *
 * <pre>java -cp bundles/flowlens.bench/target/benchmarks.jar org.flowlens.bench.prometheus.ScrapeCpuTime [series] [scrapes]</pre>
 */
public final class ScrapeCpuTime {
    private ScrapeCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        int series = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int scrapes = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Scrape scrape = new Scrape(series);
        AtomicBoolean running = new AtomicBoolean(true);
        long[] ingested = new long[1];
        Thread feeder = new Thread(() -> {
            while (running.get()) {
                scrape.ingest(1000);
                ingested[0] += 1000;
            }
        }, "ingest");
        feeder.setDaemon(true);
        feeder.start();
        String[][] variants = {{"text", "text/plain", null}, {"text+gzip", "text/plain", "gzip"},
            {"openmetrics", "application/openmetrics-text; version=1.0.0; charset=utf-8", null}};
        for (String[] v : variants) {
            for (int i = 0; i < 5; i++) {
                scrape.scrape(v[1], v[2]);
            }
            double[] cpu = new double[scrapes];
            double[] wall = new double[scrapes];
            long bytes = 0;
            for (int i = 0; i < scrapes; i++) {
                long c0 = mx.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                bytes = scrape.scrape(v[1], v[2]);
                wall[i] = (System.nanoTime() - w0) / 1e6;
                cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            System.out.printf(Locale.ROOT, "%-12s %,d bytes; CPU per scrape: median %.0f ms, p90 %.0f ms, max %.0f ms; wall: median %.0f ms, p90 %.0f ms, max %.0f ms%n",
                    v[0], bytes, cpu[scrapes / 2], cpu[(int) (scrapes * 0.9)], cpu[scrapes - 1], wall[scrapes / 2], wall[(int) (scrapes * 0.9)], wall[scrapes - 1]);
        }
        running.set(false);
        feeder.join();
        scrape.stop();
        System.out.printf(Locale.ROOT, "records ingested meanwhile: %,d; load average %.2f%n", ingested[0], ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
