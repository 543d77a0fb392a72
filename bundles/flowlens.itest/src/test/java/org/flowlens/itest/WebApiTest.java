package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertService;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The HTTP API of the default assembly with users, roles and API tokens configured (as a site that
 * exposes it would): authentication, roles, CSRF, rate and size limits, gzip, the aggregator's
 * answers, the live WebSocket feed with a filter, and the Felix Web Console on the same accounts.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WebApiTest {
    private static final String BASE = "http://127.0.0.1:" + Assembly.HTTP_PORT;
    private static final String AGENT_TOKEN = "agent-token-0123456789abcdefghijklmnop";
    private static final String BURST_TOKEN = "burst-token-0123456789abcdefghijklmnop";
    private static final String LOAD_TOKEN = "load-token-0123456789abcdefghijklmnopq";
    private static final String VIEWER_TOKEN = "viewer-token-0123456789abcdefghijklmno";

    @Inject
    BundleContext context;

    private final HttpClient http = HttpClient.newHttpClient();

    @Configuration
    public Option[] config() throws Exception {
        Option[] options = Assembly.defaultRuntime();
        Path config = Assembly.work().resolve("config");
        Files.writeString(config.resolve("flowlens.security.cfg"), "users=[\"alice:admin:" + hash("alice-secret") + "\",\"victor:viewer:" + hash("victor-secret")
                + "\"]\ntokens=[\"agent:ingest:" + sha256(AGENT_TOKEN) + "\",\"burst:ingest:" + sha256(BURST_TOKEN) + "\",\"load:ingest:" + sha256(LOAD_TOKEN) + "\",\"wall:viewer:" + sha256(VIEWER_TOKEN) + "\"]\n");
        Files.writeString(config.resolve("flowlens.web.http.cfg"), "ingestRequestsPerSecond=\"50\"\ningestBurst=I\"100\"\n");
        Files.writeString(config.resolve("flowlens.ingest.cfg"), "maxBodyBytes=L\"65536\"\n");
        return options;
    }

    @Test
    public void withAccountsConfiguredEverythingButHealthzNeedsCredentials() throws Exception {
        up();
        assertEquals(200, send(get("/healthz")).statusCode());
        assertEquals(401, send(get("/api/summary")).statusCode());
        assertEquals(401, send(post("/ingest", "[]")).statusCode());
        assertEquals(401, send(get("/api/summary").header("Authorization", "Bearer wrong")).statusCode());
        assertEquals(200, send(get("/api/summary").header("Authorization", "Bearer " + VIEWER_TOKEN)).statusCode());
        assertEquals("an ingest token cannot read", 403, send(get("/api/summary").header("Authorization", "Bearer " + AGENT_TOKEN)).statusCode());
        HttpResponse<String> me = send(get("/api/auth/me"));
        assertTrue(me.body(), me.body().contains("\"login_required\":true"));
        assertEquals(200, send(get("/console/")).statusCode());
    }

    @Test
    public void anIngestTokenSendsFlowsAndTheRateIsLimitedPerClient() throws Exception {
        up();
        HttpResponse<String> ok = send(post("/ingest", flows(3, "10.1.0.1")).header("Authorization", "Bearer " + AGENT_TOKEN));
        assertEquals(ok.body(), 200, ok.statusCode());
        assertTrue(ok.body(), ok.body().contains("\"accepted\":3"));
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 400 && limited == 0; i++) {
            HttpResponse<String> r = send(post("/ingest", "[]").header("Authorization", "Bearer " + BURST_TOKEN));
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            }
        }
        assertTrue("a burst beyond the limit is refused, got " + limited, limited > 0);
        assertNotNull(retryAfter);
        // another client (token) is not affected
        assertEquals(200, send(post("/ingest", "[]").header("Authorization", "Bearer " + AGENT_TOKEN)).statusCode());
    }

    @Test
    public void bodiesBeyondTheLimitsAreRefused() throws Exception {
        up();
        String big = "[" + String.join(",", Collections.nCopies(1500, "{\"router\":\"10.0.0.1\",\"src_ip\":\"10.0.0.2\",\"dst_ip\":\"10.0.0.3\"}")) + "]";
        // a client of its own: the server answers before reading such bodies and closes the connection
        HttpClient own = HttpClient.newHttpClient();
        HttpResponse<String> r = own.send(post("/ingest", big).header("Authorization", "Bearer " + AGENT_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 413, r.statusCode());
        HttpResponse<String> login = HttpClient.newHttpClient().send(post("/api/auth/login", "{\"user\":\"" + "a".repeat(20_000) + "\"}").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(login.body(), 400, login.statusCode());
    }

    @Test
    public void loginSessionsRolesAndCsrf() throws Exception {
        up();
        assertEquals(401, send(post("/api/auth/login", "{\"user\":\"victor\",\"password\":\"nope\"}")).statusCode());
        Session viewer = login("victor", "victor-secret");
        assertEquals("viewer", viewer.role);
        assertEquals(200, send(get("/api/summary").header("Cookie", viewer.cookie)).statusCode());
        HttpResponse<String> ack = send(post("/api/alerts/ack", "{\"id\":\"x\"}").header("Cookie", viewer.cookie).header("X-CSRF-Token", viewer.csrf));
        assertEquals("a viewer may not change anything", 403, ack.statusCode());

        Session admin = login("alice", "alice-secret");
        HttpResponse<String> noToken = send(post("/api/capture/stop", "{\"name\":\"none\"}").header("Cookie", admin.cookie));
        assertEquals(noToken.body(), 403, noToken.statusCode());
        assertTrue(noToken.body(), noToken.body().contains("X-CSRF-Token"));
        HttpResponse<String> crossSite = send(post("/api/capture/stop", "{\"name\":\"none\"}").header("Cookie", admin.cookie)
                .header("X-CSRF-Token", admin.csrf).header("Origin", "http://evil.example"));
        assertEquals(403, crossSite.statusCode());
        HttpResponse<String> withToken = send(post("/api/capture/stop", "{\"name\":\"none\"}").header("Cookie", admin.cookie).header("X-CSRF-Token", admin.csrf));
        assertEquals("past the CSRF check: no such source", 404, withToken.statusCode());

        HttpResponse<String> events = send(get("/api/events?q=alice+signed").header("Cookie", admin.cookie));
        assertTrue(events.body(), events.body().contains("user alice signed in"));
        send(post("/api/auth/logout", "").header("Cookie", admin.cookie));
        assertEquals("the session ended", 401, send(get("/api/summary").header("Cookie", admin.cookie)).statusCode());
    }

    @Test
    public void theFelixWebConsoleUsesTheSameAccounts() throws Exception {
        up();
        Await.until("the Felix Web Console", 30_000, () -> status(get("/system/console/bundles").header("Authorization", basic("alice", "alice-secret"))) == 200);
        assertEquals(401, status(get("/system/console/bundles")));
        assertEquals("viewers do not administer bundles", 401, status(get("/system/console/bundles").header("Authorization", basic("victor", "victor-secret"))));
        Session admin = login("alice", "alice-secret");
        assertEquals("a console session of an administrator is enough", 200, status(get("/system/console/bundles").header("Cookie", admin.cookie)));
    }

    @Test
    public void answersAreGzippedForClientsThatAskForIt() throws Exception {
        up();
        HttpResponse<byte[]> r = http.send(get("/api/plugins").header("Authorization", "Bearer " + VIEWER_TOKEN).header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("gzip", r.headers().firstValue("Content-Encoding").orElse(""));
        String json = new String(new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(json, JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("bundles").size() > 10);
    }

    @Test
    public void topNAnswersFromTheAggregatorUnderLoad() throws Exception {
        up();
        assertTrue("the aggregator runs in the default runtime", aggregator());
        Await.until("/api/windows", 30_000, () -> status(get("/api/windows").header("Authorization", "Bearer " + VIEWER_TOKEN)) == 200);
        // 10.2.0.1 sends ten times what each other client sends
        for (int i = 0; i < 5; i++) {
            StringBuilder b = new StringBuilder("[");
            for (int k = 0; k < 200; k++) {
                if (k > 0) {
                    b.append(',');
                }
                boolean heavy = k % 10 == 0;
                b.append("{\"router\":\"192.0.2.1\",\"src_ip\":\"10.2.").append(heavy ? "0.1" : (k % 7) + "." + (k % 50 + 2)).append("\",\"dst_ip\":\"198.51.100.")
                        .append(k % 20).append("\",\"src_port\":").append(40000 + k).append(",\"dst_port\":").append(k % 3 == 0 ? 53 : 443)
                        .append(",\"protocol\":\"").append(k % 3 == 0 ? "udp" : "tcp").append("\",\"bytes\":").append(heavy ? 100_000 : 1000).append(",\"packets\":5}");
            }
            HttpResponse<String> r = send(post("/ingest", b.append(']').toString()).header("Authorization", "Bearer " + AGENT_TOKEN));
            assertEquals(r.body(), 200, r.statusCode());
        }
        Await.until("10.2.0.1 on top of /api/top_ips", 30_000, () -> firstHost().equals("10.2.0.1"), this::firstHost);
        JsonObject ports = json("/api/ports?limit=5");
        assertEquals(443, ports.getAsJsonArray("ports").get(0).getAsJsonObject().get("port").getAsInt());
        JsonObject ip = json("/api/ip?ip=10.2.0.1");
        assertEquals(100_000L * 100, ip.get("bytes_sent").getAsLong());
        assertTrue(ip.getAsJsonArray("peers").size() > 0);
        JsonObject sessions = json("/api/sessions?protocol=udp&limit=10");
        for (var s : sessions.getAsJsonArray("sessions")) {
            assertEquals("UDP", s.getAsJsonObject().get("protocol").getAsString());
        }
        JsonObject trend = json("/api/trend?span=15m&step=1m");
        assertTrue(trend.getAsJsonArray("total").size() >= 15);
        assertEquals(400, status(get("/api/top?dimension=nonsense").header("Authorization", "Bearer " + VIEWER_TOKEN)));

        // top-N latency while flows keep arriving: a figure for the report, not an assertion
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            for (int i = 0; i < 2000 && running.get(); i++) {
                try {
                    send(post("/ingest", flows(200, "10.3.0." + (i % 200))).header("Authorization", "Bearer " + LOAD_TOKEN));
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
        load.start();
        List<Long> micros = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                long t = System.nanoTime();
                HttpResponse<String> r = send(get(i % 2 == 0 ? "/api/top_ips?limit=20" : "/api/sessions?limit=50").header("Authorization", "Bearer " + VIEWER_TOKEN));
                micros.add((System.nanoTime() - t) / 1000);
                assertEquals(200, r.statusCode());
            }
        } finally {
            running.set(false);
            load.join(10_000);
        }
        Collections.sort(micros);
        System.out.printf("API top-N latency under ingest load (%d requests): p50 %.1f ms, p99 %.1f ms%n", micros.size(),
                micros.get(micros.size() / 2) / 1000.0, micros.get((int) Math.ceil(micros.size() * 0.99) - 1) / 1000.0);
    }

    @Test
    public void theLiveFeedPushesFilteredRecords() throws Exception {
        up();
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + VIEWER_TOKEN)
                .buildAsync(URI.create("ws://127.0.0.1:" + Assembly.HTTP_PORT + "/ws/logs"), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            assertTrue(next(messages, "hello").contains("\"channel\":\"logs\""));
            ws.sendText("{\"filter\":{\"ip\":\"10.9.9.9\"}}", true).get(5, TimeUnit.SECONDS);
            assertTrue(next(messages, "ack").contains("\"filtered\":true"));
            assertEquals(200, send(post("/ingest", flows(2, "10.8.8.8")).header("Authorization", "Bearer " + AGENT_TOKEN)).statusCode());
            assertEquals(200, send(post("/ingest", flows(2, "10.9.9.9")).header("Authorization", "Bearer " + AGENT_TOKEN)).statusCode());
            String logs = next(messages, "logs");
            JsonArray records = JsonParser.parseString(logs).getAsJsonObject().getAsJsonArray("records");
            assertEquals(2, records.size());
            for (var r : records) {
                assertEquals("10.9.9.9", r.getAsJsonObject().get("src_ip").getAsString());
            }
        } finally {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        }
        HttpResponse<String> plain = send(get("/ws/logs").header("Authorization", "Bearer " + VIEWER_TOKEN));
        assertEquals(426, plain.statusCode());
        assertEquals("feeds need credentials", 401, send(get("/ws/logs")).statusCode());
    }

    @Test
    public void alertsAreListedAndAcknowledgedByAnAdministrator() throws Exception {
        up();
        Alert alert = new Alert("portscan:10.6.6.6:1", "portscan", "10.6.6.6", Alert.Severity.WARNING, Alert.State.RAISED, 1000, 2000, 120, 100,
                "10.6.6.6 probed 120 ports", List.of(Map.of("port", 22, "flows", 3)));
        Map<String, AlertEntry> entries = new ConcurrentHashMap<>(Map.of(alert.id(), new AlertEntry(alert, null, 1)));
        AlertService service = new AlertService() {
            @Override
            public List<AlertEntry> active() {
                return new ArrayList<>(entries.values());
            }

            @Override
            public List<AlertEntry> history(String detector, int limit) {
                return active();
            }

            @Override
            public Optional<AlertEntry> get(String id) {
                return Optional.ofNullable(entries.get(id));
            }

            @Override
            public Optional<AlertEntry> acknowledge(String id, String by, String note) {
                return Optional.ofNullable(entries.computeIfPresent(id, (k, e) -> new AlertEntry(e.alert(), new Acknowledgement(by, note, 3000), e.updates())));
            }

            @Override
            public List<String> detectors() {
                return List.of("portscan");
            }
        };
        ServiceRegistration<AlertService> reg = context.registerService(AlertService.class, service,
                new Hashtable<>(Map.of(org.osgi.framework.Constants.SERVICE_RANKING, 1000)));
        try {
            Await.until("the alert in /api/alerts", 10_000, () -> {
                try {
                    return json("/api/alerts").getAsJsonArray("alerts").size() == 1;
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
            JsonObject a = json("/api/alerts").getAsJsonArray("alerts").get(0).getAsJsonObject().getAsJsonObject("alert");
            assertEquals("10.6.6.6", a.get("key").getAsString());
            assertEquals(22, a.getAsJsonArray("evidence").get(0).getAsJsonObject().get("port").getAsInt());
            Session viewer = login("victor", "victor-secret");
            assertEquals(403, send(post("/api/alerts/ack", "{\"id\":\"portscan:10.6.6.6:1\"}").header("Cookie", viewer.cookie)
                    .header("X-CSRF-Token", viewer.csrf)).statusCode());
            Session admin = login("alice", "alice-secret");
            HttpResponse<String> ack = send(post("/api/alerts/ack", "{\"id\":\"portscan:10.6.6.6:1\",\"note\":\"known scanner\"}")
                    .header("Cookie", admin.cookie).header("X-CSRF-Token", admin.csrf));
            assertEquals(ack.body(), 200, ack.statusCode());
            assertEquals("alice", entries.get(alert.id()).acknowledgement().by());
            assertTrue(send(get("/api/events?type=action").header("Cookie", admin.cookie)).body().contains("acknowledged: known scanner"));
        } finally {
            reg.unregister();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String next(LinkedBlockingQueue<String> messages, String type) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String m = messages.poll(1, TimeUnit.SECONDS);
            if (m != null && m.contains("\"type\":\"" + type + "\"")) {
                return m;
            }
        }
        throw new AssertionError("no " + type + " message within 20 s");
    }

    private boolean aggregator() {
        for (Bundle b : context.getBundles()) {
            if ("flowlens.aggregate".equals(b.getSymbolicName())) {
                return true;
            }
        }
        return false;
    }

    private String firstHost() {
        try {
            JsonArray hosts = json("/api/top_ips?limit=1").getAsJsonArray("hosts");
            return hosts.isEmpty() ? "" : hosts.get(0).getAsJsonObject().get("address").getAsString();
        } catch (Exception e) {
            return "";
        }
    }

    private JsonObject json(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = send(get(path).header("Authorization", "Bearer " + VIEWER_TOKEN));
        assertEquals(r.body(), 200, r.statusCode());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static String flows(int n, String src) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"router\":\"192.0.2.1\",\"src_ip\":\"").append(src).append("\",\"dst_ip\":\"198.51.100.1\",\"src_port\":")
                    .append(30000 + i).append(",\"dst_port\":443,\"protocol\":\"tcp\",\"bytes\":1200,\"packets\":3}");
        }
        return b.append(']').toString();
    }

    private record Session(String cookie, String csrf, String role) {}

    private Session login(String user, String password) throws IOException, InterruptedException {
        HttpResponse<String> r = send(post("/api/auth/login", "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}"));
        assertEquals(r.body(), 200, r.statusCode());
        String setCookie = r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("flowlens_session=")).findFirst().orElseThrow();
        assertTrue(setCookie, setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"));
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        return new Session(setCookie.substring(0, setCookie.indexOf(';')), o.get("csrf").getAsString(), o.get("role").getAsString());
    }

    private void up() {
        Await.until("/healthz 200", 30_000, () -> status(get("/healthz")) == 200);
        Await.until("the API behind the security filter", 30_000, () -> status(get("/api/summary").header("Authorization", "Bearer " + VIEWER_TOKEN)) == 200);
    }

    private static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(BASE + path)).GET();
    }

    private static HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(URI.create(BASE + path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The pbkdf2-sha256 form Flowlens reads (few iterations: test accounts only). */
    private static String hash(String password) throws Exception {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        byte[] h = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(new PBEKeySpec(password.toCharArray(), salt, 1000, 256)).getEncoded();
        return "pbkdf2-sha256$1000$" + Base64.getEncoder().encodeToString(salt) + "$" + Base64.getEncoder().encodeToString(h);
    }

    private static String sha256(String token) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    }
}
