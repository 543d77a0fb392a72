package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A real Prometheus server (Debian's package) scrapes the default runtime while flows arrive, and
 * the example PromQL queries of the Prometheus specification give sensible answers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PrometheusScrapeTest {
    private static final String FLOWLENS = "http://127.0.0.1:" + Assembly.HTTP_PORT;
    private static final int PROMETHEUS_PORT = 19090;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process prometheus;

    @Configuration
    public Option[] config() {
        return Assembly.defaultRuntime();
    }

    @Before
    public void startPrometheus() throws Exception {
        File binary = new File("/usr/bin/prometheus");
        Assume.assumeTrue("Prometheus is not installed (apt-get install prometheus); skipping the real scrape test", binary.canExecute());
        Path dir = Assembly.work().resolve("prometheus");
        Files.createDirectories(dir);
        Path rules = Path.of(System.getProperty("flowlens.alertRules"));
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "rule_files:\n  - " + rules.toAbsolutePath() + "\n"
                + "scrape_configs:\n  - job_name: flowlens\n    static_configs:\n      - targets: ['127.0.0.1:" + Assembly.HTTP_PORT + "']\n");
        prometheus = new ProcessBuilder(binary.getPath(), "--config.file=" + dir.resolve("prometheus.yml"), "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + PROMETHEUS_PORT).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        Await.until("Prometheus ready", 30_000, () -> status("http://127.0.0.1:" + PROMETHEUS_PORT + "/-/ready") == 200);
    }

    @After
    public void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
    }

    @Test
    public void examplePromqlQueriesAnswerWhileFlowsArrive() throws Exception {
        Await.until("/healthz 200", 30_000, () -> status(FLOWLENS + "/healthz") == 200);
        // about 12 s of traffic: 192.0.2.1 sends ten times the bytes of 192.0.2.2, TCP and UDP
        String batch = "[{\"router\":\"10.0.0.1\",\"src_ip\":\"192.0.2.1\",\"dst_ip\":\"198.51.100.7\",\"protocol\":\"TCP\",\"dst_port\":443,\"bytes\":10000,\"packets\":10},"
                + "{\"router\":\"10.0.0.1\",\"src_ip\":\"192.0.2.2\",\"dst_ip\":\"198.51.100.7\",\"protocol\":\"UDP\",\"dst_port\":53,\"bytes\":1000,\"packets\":2}]";
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
        for (int i = 0; i < 600 && System.nanoTime() < end; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(FLOWLENS + "/ingest")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(batch)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(r.body(), 200, r.statusCode());
            Thread.sleep(20); // pacing of the traffic generator, not a wait for a result
        }
        Await.until("two scrapes with flows", 20_000, () -> value("sum(rate(flow_flows_total[10s]))") > 0);

        JsonArray top = query("topk(2, sum by (src_addr) (rate(flow_bytes_total[10s])))");
        assertEquals(2, top.size());
        String first = top.get(0).getAsJsonObject().getAsJsonObject("metric").get("src_addr").getAsString();
        assertEquals("top source by bytes", "192.0.2.1", first);

        Await.until("bandwidth gauge filled", 30_000, () -> value("sum(flow_bandwidth_bps{protocol=\"TCP\"})") > 0);
        assertTrue(value("sum(flow_bandwidth_bps{protocol=\"TCP\"})") > value("sum(flow_bandwidth_bps{protocol=\"UDP\"})"));
        assertEquals(2, query("sum by (protocol) (flow_bandwidth_bps)").size());

        double drops = value("100 * sum(rate(flow_dropped_records_total[10s])) / clamp_min(sum(rate(flow_ingest_records_total[10s])), 1)");
        assertEquals("drop-rate percentage", 0.0, drops, 0.0);

        double p99 = value("histogram_quantile(0.99, sum by (le) (rate(flow_processing_duration_seconds_bucket[10s])))");
        assertTrue("p99 processing time " + p99, p99 > 0 && p99 < 1);

        JsonObject rules = JsonParser.parseString(get("http://127.0.0.1:" + PROMETHEUS_PORT + "/api/v1/rules")).getAsJsonObject();
        assertEquals("the example alert rules load", 4, rules.getAsJsonObject("data").getAsJsonArray("groups").get(0).getAsJsonObject().getAsJsonArray("rules").size());
    }

    private JsonArray query(String promql) throws IOException, InterruptedException {
        String body = get("http://127.0.0.1:" + PROMETHEUS_PORT + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonObject o = JsonParser.parseString(body).getAsJsonObject();
        assertEquals(body, "success", o.get("status").getAsString());
        return o.getAsJsonObject("data").getAsJsonArray("result");
    }

    private double value(String promql) {
        try {
            JsonArray r = query(promql);
            if (r.isEmpty()) {
                return Double.NaN;
            }
            return Double.parseDouble(r.get(0).getAsJsonObject().getAsJsonArray("value").get(1).getAsString());
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private String get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
