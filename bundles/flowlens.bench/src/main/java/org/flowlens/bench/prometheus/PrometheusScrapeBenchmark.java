package org.flowlens.bench.prometheus;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code GET /metrics} of the exporter holding 50,000 flow series per metric (about 200,000
 * samples), as {@code scripts/prometheus-scrape.sh} fills it: {@code scrape} alone in the
 * requested format and encoding, {@code whileIngesting} with a second thread feeding records of
 * the same keys. The servlet runs outside Jetty (see {@link Scrape}). For CPU time per scrape on
 * a shared machine run {@link ScrapeCpuTime}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx1g"})
@State(Scope.Group)
public class PrometheusScrapeBenchmark {
    @Param("50000")
    int series;

    /** text (0.0.4) or openmetrics. */
    @Param({"text", "text+gzip", "openmetrics"})
    String format;

    Scrape scrape;
    String accept;
    String encoding;

    @Setup(Level.Trial)
    public void setUp() {
        scrape = new Scrape(series);
        accept = format.startsWith("openmetrics") ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain";
        encoding = format.endsWith("+gzip") ? "gzip" : null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scrape.stop();
    }

    @Benchmark
    @Group("scrape")
    public long scrape() throws Exception {
        return scrape.scrape(accept, encoding);
    }

    @Benchmark
    @Group("whileIngesting")
    @GroupThreads(1)
    public long scrapeWhileIngesting() throws Exception {
        return scrape.scrape(accept, encoding);
    }

    @Benchmark
    @Group("whileIngesting")
    @GroupThreads(1)
    public void ingest() {
        scrape.ingest(1000);
    }
}
