package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowPipeline;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** The default assembly (runtime/flowlens.bndrun) booted in Felix. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DefaultRuntimeTest {
    private static final String BASE = "http://127.0.0.1:" + Assembly.HTTP_PORT;

    @Inject
    BundleContext context;
    @Inject
    ServiceComponentRuntime scr;
    @Inject
    FlowPipeline pipeline;
    @Inject
    Metrics metrics;

    private final HttpClient http = HttpClient.newHttpClient();

    @Configuration
    public Option[] config() {
        return Assembly.defaultRuntime();
    }

    @Test
    public void everyFlowlensComponentIsActive() {
        Await.until("all Flowlens components active", 30_000, () -> Assembly.inactiveComponents(scr).isEmpty(), () -> Assembly.inactiveComponents(scr).toString());
        int flowlensComponents = 0;
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.bundle.symbolicName.startsWith("flowlens.")) {
                flowlensComponents++;
            }
        }
        assertTrue("found " + flowlensComponents + " components", flowlensComponents >= 9);
    }

    @Test
    public void healthzAnswersUp() throws Exception {
        Await.until("/healthz 200", 30_000, () -> status("/healthz") == 200);
        String body = get("/healthz").body();
        assertTrue(body, body.contains("\"status\":\"UP\""));
    }

    @Test
    public void ingestedRecordsShowInTheSummary() throws Exception {
        Await.until("/healthz 200", 30_000, () -> status("/healthz") == 200);
        long before = number(get("/api/summary").body(), "flows");
        String json = "[{\"router\":\"10.0.0.1\",\"src_ip\":\"192.0.2.1\",\"dst_ip\":\"198.51.100.7\",\"src_port\":40000,\"dst_port\":443,"
                + "\"protocol\":\"tcp\",\"bytes\":1500,\"packets\":3},"
                + "{\"router\":\"10.0.0.1\",\"src_ip\":\"2001:db8::1\",\"dst_ip\":\"2001:db8::2\",\"protocol\":\"UDP\",\"bytes\":500,\"packets\":1},"
                + "{\"router\":\"10.0.0.1\",\"src_ip\":\"not-an-ip\",\"dst_ip\":\"198.51.100.7\"}]";
        HttpResponse<String> r = post("/ingest", json);
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("\"accepted\":2") && r.body().contains("\"field\":\"src_ip\""));
        Await.until("2 more flows in /api/summary", 10_000, () -> number(getUnchecked("/api/summary"), "flows") >= before + 2);
        String summary = get("/api/summary").body();
        assertEquals(before + 2, number(summary, "flows"));

        HttpResponse<String> bad = post("/ingest", "{\"router\": ");
        assertEquals(bad.body(), 400, bad.statusCode());
        assertTrue(bad.body(), bad.body().contains("malformed JSON"));
    }

    /** A NetFlow v5 datagram of two records goes through the decoder bundle; an unknown version is counted. */
    @Test
    public void datagramsAreDecodedByTheDecoderBundles() throws Exception {
        Await.until("a decoder for version 5", 30_000, () -> pipeline.decode(java.nio.ByteBuffer.wrap(netflowV5(0)),
                new java.net.InetSocketAddress("127.0.0.9", 2055), System.currentTimeMillis(), "itest") > 0);
        long before = pipeline.delivered().flows();
        assertEquals(2, pipeline.decode(java.nio.ByteBuffer.wrap(netflowV5(2)), new java.net.InetSocketAddress("127.0.0.9", 2055),
                System.currentTimeMillis(), "itest"));
        Await.until("two more delivered", 10_000, () -> pipeline.delivered().flows() >= before + 2);
        byte[] unknown = {0, 99, 0, 0};
        assertEquals(0, pipeline.decode(java.nio.ByteBuffer.wrap(unknown), new java.net.InetSocketAddress("127.0.0.9", 2055), 0, "itest"));
        double undecodable = 0;
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals("flowlens_collector_undecodable_datagrams_total") && "99".equals(s.label("version"))) {
                undecodable = s.value();
            }
        }
        assertEquals(1.0, undecodable, 0.0);
    }

    /** A NetFlow v5 datagram with two records; the sequence number continues from the previous call. */
    private static byte[] netflowV5(int sequence) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24 + 2 * 48);
        b.putShort((short) 5).putShort((short) 2).putInt(100_000).putInt((int) (System.currentTimeMillis() / 1000)).putInt(0)
                .putInt(sequence).put((byte) 0).put((byte) 0).putShort((short) 0);
        for (int i = 0; i < 2; i++) {
            b.putInt(0xC0000201 + i).putInt(0xC6336407).putInt(0).putShort((short) 1).putShort((short) 2).putInt(3).putInt(1500)
                    .putInt(90_000).putInt(99_000).putShort((short) 40000).putShort((short) 443).put((byte) 0).put((byte) 0x1B)
                    .put((byte) 6).put((byte) 0).putShort((short) 0).putShort((short) 0).put((byte) 24).put((byte) 24).putShort((short) 0);
        }
        return b.array();
    }

    @Test
    public void aConfigurationFileReachesItsComponent() throws Exception {
        Path cfg = Assembly.work().resolve("config").resolve("flowlens.pipeline.cfg");
        write(cfg, "workers=I\"3\"\nqueueSize=I\"321\"\n");
        Await.until("queue capacity 321", 20_000, () -> gauge("flowlens_pipeline_queue_capacity") == 321, () -> "is " + gauge("flowlens_pipeline_queue_capacity"));
        write(cfg, "workers=I\"0\"\nqueueSize=I\"777\"\n");
        // refused: workers 0 is invalid, so the last good configuration stays; then a valid change applies
        write(cfg, "workers=I\"2\"\nqueueSize=I\"4096\"\n");
        Await.until("queue capacity 4096", 20_000, () -> gauge("flowlens_pipeline_queue_capacity") == 4096);
    }

    @Test
    public void aBundleDroppedIntoPluginsStartsWithoutRestart() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        BundleListener listener = e -> {
            if (e.getType() == BundleEvent.STARTED && "flowlens.itest.plugin".equals(e.getBundle().getSymbolicName())) {
                started.countDown();
            }
        };
        context.addBundleListener(listener);
        try {
            Manifest m = new Manifest();
            Attributes a = m.getMainAttributes();
            a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", "flowlens.itest.plugin");
            a.putValue("Bundle-Version", "1.0.0");
            Path jar = Assembly.work().resolve("plugins").resolve("itest-plugin.jar");
            Path tmp = Files.createTempFile(Assembly.work(), "plugin", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp); JarOutputStream j = new JarOutputStream(out, m)) {
                j.flush();
            }
            Files.move(tmp, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertTrue("the dropped bundle started", started.await(30, TimeUnit.SECONDS));
            Bundle b = find("flowlens.itest.plugin");
            assertEquals(Bundle.ACTIVE, b.getState());
        } finally {
            context.removeBundleListener(listener);
        }
    }

    private Bundle find(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    private double gauge(String name) {
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals(name)) {
                return s.value();
            }
        }
        return Double.NaN;
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(file.getParent().getParent(), "cfg", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private int status(String path) {
        try {
            return get(path).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(BASE + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private String getUnchecked(String path) {
        try {
            return get(path).body();
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(BASE + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
