package org.flowlens.detect.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert.Severity;
import org.flowlens.api.alert.Alert.State;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.config.Configs;
import org.flowlens.detect.TestMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;

/** Against a small HTTP server on 127.0.0.1 started by the test. */
class WebhookSinkTest {
    private record Request(String query, String contentType, String token, String body) {}

    private HttpServer server;
    private ExecutorService pool;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    /** Status codes to answer with, in order; 200 once empty. */
    private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    private volatile String answer = "{}";
    private volatile CountDownLatch hold = new CountDownLatch(0);
    private final TestMetrics metrics = new TestMetrics();
    private final BlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    private WebhookSink sink;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pool = Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            requests.add(new Request(ex.getRequestURI().getRawQuery(), ex.getRequestHeaders().getFirst("Content-Type"),
                    ex.getRequestHeaders().getFirst("X-Token"), new String(body, StandardCharsets.UTF_8)));
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Integer status = statuses.poll();
            byte[] out = answer.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status == null ? 200 : status, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (sink != null) {
            sink.deactivate();
        }
        hold.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook?key=abc";
    }

    private void start(Map<String, Object> config) {
        Map<String, Object> c = new HashMap<>(Map.of("name", "test", "url", url(), "backoff", "10ms", "timeout", "5s"));
        c.putAll(config);
        sink = new WebhookSink();
        sink.metrics = metrics;
        sink.outcomes = outcomes::add;
        sink.activate(Configs.of(WebhookSink.Config.class, c));
    }

    private static Alert alert(Severity severity, State state) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("address", "198.51.100.1");
        top.put("packets", 12345L);
        return new Alert("flood-ab12-x1", "flood", "10.0.0.10 pps", severity, state, 1_700_000_000_000L,
                1_700_000_001_000L, 250_000, 100_000, "10.0.0.10 receives 250 kpkt/s", List.of(top));
    }

    private Request next() throws InterruptedException {
        Request r = requests.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "no request within 10 s");
        return r;
    }

    private String outcome() throws InterruptedException {
        String o = outcomes.poll(10, TimeUnit.SECONDS);
        assertNotNull(o, "no delivery outcome within 10 s");
        return o;
    }

    private long metric(String name) {
        return metrics.value(name, "sink", "test");
    }

    @Test
    void postsTheAlertAsGenericJson() throws InterruptedException {
        start(Map.of("headers", new String[] {"X-Token: s3cret"}));
        sink.handleEvent(AlertEvents.event(alert(Severity.CRITICAL, State.RAISED)));
        Request r = next();
        assertEquals("application/json; charset=utf-8", r.contentType());
        assertEquals("s3cret", r.token());
        assertEquals("key=abc", r.query());
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("flood-ab12-x1", o.get("id").getAsString());
        assertEquals("CRITICAL", o.get("severity").getAsString());
        assertEquals("RAISED", o.get("state").getAsString());
        assertEquals(250_000, o.get("value").getAsDouble());
        assertEquals("2023-11-14T22:13:20Z", o.get("first").getAsString());
        assertEquals("198.51.100.1", o.getAsJsonArray("evidence").get(0).getAsJsonObject().get("address").getAsString());
        assertEquals("sent", outcome());
        assertEquals(1, metric("flowlens_webhook_sent_total"));
    }

    @Test
    void retriesWithBackoffUntilTheEndpointRecovers() throws InterruptedException {
        start(Map.of("retries", 3));
        statuses.add(503);
        statuses.add(502);
        sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.RAISED)));
        String first = next().body();
        assertEquals(first, next().body());
        assertEquals(first, next().body(), "the same body each attempt");
        assertEquals("sent", outcome());
        assertEquals(1, metric("flowlens_webhook_sent_total"));
        assertEquals(2, metric("flowlens_webhook_attempt_failures_total"));
        assertEquals(2, metric("flowlens_webhook_retries_total"));
        assertEquals(0, metric("flowlens_webhook_failed_total"));
    }

    @Test
    void givesUpAfterItsRetriesAndAtOnceOnAClientError() throws InterruptedException {
        start(Map.of("retries", 2));
        statuses.add(500);
        statuses.add(500);
        statuses.add(500);
        sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.RAISED)));
        assertEquals("failed", outcome());
        assertEquals(3, requests.size(), "one attempt and two retries");
        statuses.add(400);
        sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.RESOLVED)));
        assertEquals("failed", outcome());
        assertEquals(4, requests.size(), "a 400 is not retried");
        assertEquals(2, metric("flowlens_webhook_failed_total"));
        assertEquals(4, metric("flowlens_webhook_attempt_failures_total"));
    }

    @Test
    void aSlowEndpointFillsTheBoundedQueueAndDropsAreCounted() throws InterruptedException {
        hold = new CountDownLatch(1);
        start(Map.of("queueSize", 2));
        sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.RAISED)));
        next(); // the first post is in flight and held by the server
        for (int i = 0; i < 9; i++) {
            sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.RESOLVED)));
        }
        assertEquals(7, metrics.value("flowlens_webhook_dropped_total", "sink", "test", "reason", "queue_full"));
        assertEquals(2.0, metrics.gauge("flowlens_webhook_queue_length", "sink", "test"));
        hold.countDown();
        for (int i = 0; i < 3; i++) {
            assertEquals("sent", outcome());
        }
        assertEquals(3, metric("flowlens_webhook_sent_total"));
    }

    @Test
    void filtersStatesSeveritiesAndDetectors() throws InterruptedException {
        start(Map.of("detectors", new String[] {"flood"}));
        sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.ONGOING))); // not a default state
        sink.handleEvent(AlertEvents.event(alert(Severity.INFO, State.RAISED))); // under WARNING
        sink.handleEvent(AlertEvents.event(new Alert("x", "portscan", "k", Severity.CRITICAL, State.RAISED, 1, 1, 1, 1, "m",
                List.of())));
        sink.handleEvent(AlertEvents.event(alert(Severity.WARNING, State.RESOLVED)));
        assertEquals("RESOLVED", JsonParser.parseString(next().body()).getAsJsonObject().get("state").getAsString());
        assertEquals("sent", outcome());
        assertNull(requests.poll(), "nothing else was posted");
    }

    @Test
    void chatTemplates() throws Exception {
        start(Map.of("template", "slack"));
        sink.handleEvent(AlertEvents.event(alert(Severity.CRITICAL, State.RAISED)));
        String text = JsonParser.parseString(next().body()).getAsJsonObject().get("text").getAsString();
        assertTrue(text.startsWith("*[CRITICAL] flood RAISED: 10.0.0.10 pps*\n10.0.0.10 receives 250 kpkt/s"), text);
        assertTrue(text.contains("• address 198.51.100.1, packets 12345"), text);
        assertEquals("sent", outcome());
        sink.deactivate();

        // a WeCom robot answers 200 with an error code: that is a failure to retry
        answer = "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}";
        outcomes.clear();
        start(Map.of("template", "wecom", "retries", 1));
        sink.handleEvent(AlertEvents.event(alert(Severity.CRITICAL, State.RAISED)));
        JsonObject wecom = JsonParser.parseString(next().body()).getAsJsonObject();
        assertEquals("markdown", wecom.get("msgtype").getAsString());
        assertTrue(wecom.getAsJsonObject("markdown").get("content").getAsString().contains("10.0.0.10 receives"));
        next();
        assertEquals("failed", outcome());
        sink.deactivate();

        // DingTalk with signing: timestamp and HMAC-SHA256 signature in the query
        answer = "{\"errcode\":0,\"errmsg\":\"ok\"}";
        outcomes.clear();
        start(Map.of("template", "dingtalk", "secret", "SECabc", "states", new String[] {"ACKNOWLEDGED"}));
        sink.handleEvent(AlertEvents.acknowledged(alert(Severity.WARNING, State.ONGOING), new Acknowledgement("carol", "ok", 5)));
        Request r = next();
        JsonObject ding = JsonParser.parseString(r.body()).getAsJsonObject();
        assertEquals("[WARNING] flood ACKNOWLEDGED by carol: 10.0.0.10 pps", ding.getAsJsonObject("markdown").get("title").getAsString());
        Map<String, String> q = new HashMap<>();
        for (String kv : r.query().split("&")) {
            String[] p = kv.split("=", 2);
            q.put(p[0], URLDecoder.decode(p[1], StandardCharsets.UTF_8));
        }
        assertEquals("abc", q.get("key"));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("SECabc".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = Base64.getEncoder().encodeToString(
                mac.doFinal((q.get("timestamp") + "\nSECabc").getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, q.get("sign"));
        assertEquals("sent", outcome());
    }

    @Test
    void anInvalidUrlLeavesTheWebhookOff() {
        sink = new WebhookSink();
        sink.metrics = metrics;
        sink.activate(Configs.of(WebhookSink.Config.class, Map.of("url", "ftp://example.org/x")));
        sink.handleEvent(AlertEvents.event(alert(Severity.CRITICAL, State.RAISED)));
        assertTrue(requests.isEmpty());
        assertNull(WebhookSink.errcode("{\"errcode\":0}"));
        assertEquals("93000", WebhookSink.errcode("{\"errcode\":93000}"));
        assertNull(WebhookSink.errcode("ok"));
    }
}
