package org.flowlens.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.metrics.Sample;
import org.flowlens.pipeline.MetricsRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.util.converter.Converters;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForwarderTest {
    @TempDir
    Path dir;

    private final MetricsRegistry metrics = new MetricsRegistry();
    private Forwarder forwarder;
    private IngestServer server;

    @AfterEach
    void stop() {
        if (forwarder != null) {
            forwarder.deactivate();
        }
        if (server != null) {
            server.close();
        }
    }

    private Map<String, Object> config(int port) {
        Map<String, Object> c = new HashMap<>();
        c.put("serverUrl", "http://127.0.0.1:" + port + "/ingest");
        c.put("token", "s3cret-token");
        c.put("agentName", "edge-1");
        c.put("batchSize", 100);
        c.put("lingerMs", 20);
        c.put("timeoutMs", 2000);
        c.put("retries", 1);
        c.put("backoffMs", 10);
        c.put("maxBackoffMs", 100);
        c.put("spoolDir", dir.resolve("spool").toString());
        c.put("healthIntervalSeconds", 0);
        return c;
    }

    private Forwarder start(Map<String, Object> config) throws IOException {
        return new Forwarder(metrics, Converters.standardConverter().convert(config).to(Forwarder.Config.class));
    }

    @Test
    void itsCheckTellsWhatALiveChangeWouldRefuse() throws Exception {
        server = new IngestServer(0);
        forwarder = start(config(server.port()));
        Map<String, Object> bad = config(server.port());
        bad.put("serverUrl", "ftp://127.0.0.1/ingest");
        String refused = forwarder.problem("flowlens.forward", bad);
        assertTrue(refused != null && refused.contains("serverUrl"), refused);
        assertEquals(null, forwarder.problem("flowlens.forward", config(server.port())));
    }

    /** Records numbered from {@code first}: the number is in bytes, so order and loss can be checked. */
    private static FlowBatch batch(int first, int count) {
        FlowBatch b = new FlowBatch(count);
        for (int i = first; i < first + count; i++) {
            b.next().format("netflow_v9").exporter(0, IpAddresses.v4Lo(0x0A000001)).srcV4(0xC0A80000 + (i & 0xFFFF)).dstV4(0x08080808)
                    .srcPort(1024 + (i % 60000)).dstPort(53).protocol(17).bytes(i).packets(1).startMillis(1_700_000_000_000L)
                    .endMillis(1_700_000_000_500L).samplingRate(1);
        }
        return b;
    }

    private double metric(String name, String... labels) {
        double sum = 0;
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals(name)) {
                boolean match = true;
                for (int i = 0; i + 1 < labels.length; i += 2) {
                    match &= labels[i + 1].equals(s.label(labels[i]));
                }
                if (match) {
                    sum += s.value();
                }
            }
        }
        return sum;
    }

    private static void assertInOrderWithoutLoss(List<FlowRecord> got, int n) {
        assertEquals(n, got.size(), "records delivered");
        for (int i = 0; i < n; i++) {
            assertEquals(i, got.get(i).bytes(), "record " + i + " out of order or lost");
        }
    }

    /** Waits for a state that no event announces (the spool filling up), polling, within a bound. */
    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Test
    void postsBatchesInTheIngestFormatWithTokenAndAgentName() throws Exception {
        server = new IngestServer(0);
        forwarder = start(config(server.port()));
        var all = server.whenRecords(1000);
        for (int i = 0; i < 10; i++) {
            forwarder.accept(batch(i * 100, 100));
        }
        assertTrue(all.await(20, TimeUnit.SECONDS), "all records delivered");
        eventually(() -> metric("flowlens_forward_sent_records_total") == 1000, "the last answer read");
        assertInOrderWithoutLoss(server.records, 1000);
        FlowRecord r = server.records.get(7);
        assertEquals("192.168.0.7", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals(17, r.protocol());
        assertEquals(1031, r.srcPort());
        assertEquals(1_700_000_000_500L, r.endMillis());
        assertTrue(server.authorizations.stream().allMatch("Bearer s3cret-token"::equals), server.authorizations.toString());
        assertTrue(server.agents.stream().allMatch("edge-1"::equals));
        assertTrue(server.requestSizes.stream().allMatch(n -> n <= 100), server.requestSizes.toString());
        assertEquals(1000, metric("flowlens_forward_sent_records_total"));
        assertEquals(0, metric("flowlens_forward_dropped_records_total"));
        assertEquals(0, metric("flowlens_forward_spooled_records_total"));
    }

    @Test
    void spoolsWhileTheServerIsDownAndDeliversEverythingInOrderAfterItReturns() throws Exception {
        int port = freePort();
        server = new IngestServer(port);
        forwarder = start(config(port));
        var first = server.whenRecords(500);
        for (int i = 0; i < 5; i++) {
            forwarder.accept(batch(i * 100, 100));
        }
        assertTrue(first.await(20, TimeUnit.SECONDS));
        // an answer lost with the server would make its records go again (delivery is at least once)
        eventually(() -> metric("flowlens_forward_sent_records_total") == 500, "the last answer read");
        server.close();
        server = null;

        for (int i = 5; i < 30; i++) {
            forwarder.accept(batch(i * 100, 100));
        }
        eventually(() -> metric("flowlens_forward_spool_records") == 2500, "2500 records in the spool");
        assertTrue(metric("flowlens_forward_failed_requests_total") > 0);
        assertEquals(0, metric("flowlens_forward_server_up"));

        server = new IngestServer(port);
        var all = server.whenRecords(2500);
        assertTrue(all.await(20, TimeUnit.SECONDS), "spooled records delivered after the server came back");
        List<FlowRecord> got = server.records;
        assertEquals(2500, got.size());
        for (int i = 0; i < 2500; i++) {
            assertEquals(500 + i, got.get(i).bytes(), "record " + i + " out of order or lost");
        }
        eventually(() -> metric("flowlens_forward_spool_records") == 0, "an empty spool");
        assertEquals(3000, metric("flowlens_forward_sent_records_total"));
        assertEquals(2500, metric("flowlens_forward_spooled_records_total"));
        assertEquals(0, metric("flowlens_forward_dropped_records_total"));
    }

    @Test
    void whatAStoppedAgentSpooledIsDeliveredByTheNextOne() throws Exception {
        int port = freePort();
        forwarder = start(config(port));
        forwarder.accept(batch(0, 700));
        forwarder.accept(batch(700, 300));
        forwarder.deactivate();
        forwarder = null;
        assertEquals(1000, metric("flowlens_forward_spooled_records_total"));

        forwarder = start(config(port));
        forwarder.accept(batch(1000, 200));
        server = new IngestServer(port);
        var all = server.whenRecords(1200);
        assertTrue(all.await(20, TimeUnit.SECONDS));
        assertInOrderWithoutLoss(server.records, 1200);
        assertEquals(0, metric("flowlens_forward_dropped_records_total"));
    }

    @Test
    void countsWhatDoesNotFitTheSpoolAndLosesNothingBelowTheCap() throws Exception {
        int port = freePort();
        Map<String, Object> c = config(port);
        c.put("spoolMaxMegabytes", 1L);
        c.put("batchSize", 500);
        forwarder = start(c);
        int n = 20_000; // about 6 MB of JSON
        for (int i = 0; i < n; i += 1000) {
            forwarder.accept(batch(i, 1000));
        }
        eventually(() -> metric("flowlens_forward_spool_records") + metric("flowlens_forward_dropped_records_total") == n,
                "every record spooled or counted");
        double spooled = metric("flowlens_forward_spool_records");
        double dropped = metric("flowlens_forward_dropped_records_total", "reason", "spool_full");
        assertTrue(spooled > 0 && dropped > 0, spooled + " spooled, " + dropped + " dropped");
        assertTrue(metric("flowlens_forward_spool_bytes") <= 1 << 20);

        server = new IngestServer(port);
        var delivered = server.whenRecords((long) spooled);
        assertTrue(delivered.await(20, TimeUnit.SECONDS));
        eventually(() -> metric("flowlens_forward_spool_records") == 0, "an empty spool");
        assertEquals(spooled, server.records.size());
        assertEquals(n, metric("flowlens_forward_sent_records_total") + metric("flowlens_forward_dropped_records_total"));
        for (int i = 1; i < server.records.size(); i++) {
            assertTrue(server.records.get(i).bytes() > server.records.get(i - 1).bytes(), "in order");
        }
    }

    @Test
    void refusedRecordsAreCountedAndNotSentAgain() throws Exception {
        server = new IngestServer(0);
        server.status = n -> 400;
        Map<String, Object> c = config(server.port());
        c.put("lingerMs", 0);
        forwarder = start(c);
        var half = server.whenRecords(50);
        forwarder.accept(batch(0, 100));
        assertTrue(half.await(20, TimeUnit.SECONDS));
        eventually(() -> metric("flowlens_forward_dropped_records_total", "reason", "rejected") == 50, "50 rejected");
        assertEquals(50, metric("flowlens_forward_sent_records_total"));
        assertEquals(1, server.requestSizes.size());
    }

    @Test
    void keepsRecordsThroughRefusedTokensAndRateLimits() throws Exception {
        server = new IngestServer(0);
        server.status = n -> n == 0 ? 401 : n == 1 ? 503 : n == 2 ? 429 : 200;
        Map<String, Object> c = config(server.port());
        c.put("retries", 5);
        forwarder = start(c);
        var all = server.whenRecords(300);
        forwarder.accept(batch(0, 300));
        assertTrue(all.await(20, TimeUnit.SECONDS));
        assertInOrderWithoutLoss(server.records, 300);
        assertEquals(3, metric("flowlens_forward_failed_requests_total"));
        assertEquals(0, metric("flowlens_forward_dropped_records_total"));
    }

    @Test
    void reportsHealthToTheServer() throws Exception {
        server = new IngestServer(0);
        Map<String, Object> c = config(server.port());
        c.put("healthIntervalSeconds", 1);
        forwarder = start(c);
        var report = server.whenHealthReports(1);
        assertTrue(report.await(20, TimeUnit.SECONDS));
        String json = server.healthReports.get(0);
        assertTrue(json.startsWith("{\"agent\":\"edge-1\",\"state\":\""), json);
        assertTrue(json.contains("\"records_received\":0") && json.contains("\"spool_records\":0"), json);
        assertEquals("Bearer s3cret-token", server.authorizations.get(0));
        assertEquals("edge-1", server.agents.get(0));
    }

    @Test
    void refusesInvalidConfigurationAndKeepsTheLastGoodOne() throws Exception {
        Map<String, Object> bad = config(1);
        bad.put("serverUrl", "ftp://example/ingest");
        assertThrows(IllegalArgumentException.class, () -> start(bad));
        server = new IngestServer(0);
        forwarder = start(config(server.port()));
        Map<String, Object> worse = config(server.port());
        worse.put("batchSize", 0);
        forwarder.modified(Converters.standardConverter().convert(worse).to(Forwarder.Config.class));
        Map<String, Object> other = config(server.port());
        other.put("agentName", "edge-2");
        var got = server.whenRecords(10);
        forwarder.modified(Converters.standardConverter().convert(other).to(Forwarder.Config.class));
        forwarder.accept(batch(0, 10));
        assertTrue(got.await(20, TimeUnit.SECONDS));
        assertEquals("edge-2", server.agents.get(0));
    }

    @Test
    void backoffDoublesUpToItsCapAndHonoursRetryAfter() {
        Settings s = Settings.of(Converters.standardConverter().convert(Map.of("backoffMs", 100, "maxBackoffMs", 1000)).to(Forwarder.Config.class));
        assertEquals(100, Forwarder.backoff(s, 1, -1));
        assertEquals(200, Forwarder.backoff(s, 2, -1));
        assertEquals(800, Forwarder.backoff(s, 4, -1));
        assertEquals(1000, Forwarder.backoff(s, 5, -1));
        assertEquals(1000, Forwarder.backoff(s, 500, -1));
        assertEquals(700, Forwarder.backoff(s, 1, 700));
        assertEquals(1000, Forwarder.backoff(s, 1, 60_000));
        assertEquals("http://127.0.0.1:8080/api/agents/health", s.health().toString());
    }
}
