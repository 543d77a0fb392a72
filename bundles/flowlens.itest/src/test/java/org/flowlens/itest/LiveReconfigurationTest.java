package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.Detector;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.FlowQueryService;
import org.junit.AfterClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listener ports, aggregation windows and dimensions, a detector threshold, the log level and a
 * Prometheus sink setting are changed while 100 k records/s are replayed, once through a file in
 * config/ and once through the Felix Web Console's configuration form. Each change must take
 * effect without a restart (checked on the component's behaviour); an invalid value must be
 * refused with a message in the log while the last good value stays in force. The time from the
 * change to its effect is printed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LiveReconfigurationTest {
    private static final Map<String, Long> FIGURES = new LinkedHashMap<>();

    @Inject
    BundleContext context;
    @Inject
    FlowPipeline pipeline;
    @Inject
    Metrics metrics;
    @Inject
    FlowQueryService query;
    @Inject
    ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        Option[] options = Assembly.defaultRuntime();
        ConsoleLog.copyTo(ConsoleLog.file());
        return options;
    }

    @AfterClass
    public static void figures() {
        System.out.println("live reconfiguration, change to effect (ms): " + FIGURES);
    }

    @Test
    public void aListenerMovesToAnotherPort() throws Exception {
        WebConsole console = new WebConsole();
        try (Replay load = new Replay(pipeline, "reconfig-load", ConsumerHotSwapTest.RATE, 180)) {
            int p1 = freePort(), p2 = freePort(), p3 = freePort();
            writeConfig("flowlens.collector.udp-live.cfg", listener(p1));
            Await.until("listener live on " + p1, 30_000, () -> port("live") == p1);
            assertDecodes("live", p1);

            measure("listener port (config file)", () -> writeConfig("flowlens.collector.udp-live.cfg", listener(p2)), () -> port("live") == p2);
            assertDecodes("live", p2);

            refused("listener port 70000 (config file)", () -> writeConfig("flowlens.collector.udp-live.cfg", listener(70_000)),
                    "UDP listener live configuration refused: port must be 0-65535");
            assertEquals("the last good port is kept", p2, port("live"));
            assertDecodes("live", p2);

            String pid = configAdmin.listConfigurations("(&(service.factoryPid=flowlens.collector.udp)(name=live))")[0].getPid();
            measure("listener port (Web Console)", () -> console.saveConfiguration(pid, listenerForm(p3)), () -> port("live") == p3);
            assertDecodes("live", p3);
            refusedInConsole("listener port -1 (Web Console)", () -> console.saveConfiguration(pid, listenerForm(-1)),
                    "UDP listener live configuration refused: port must be 0-65535", "flowlens.collector.udp-live.cfg", "I\"-1\"");
            assertEquals("the last good port is kept", p3, port("live"));
            assertDecodes("live", p3);
        }
    }

    @Test
    public void aggregationWindowsAndDimensionsChangeLive() throws Exception {
        WebConsole console = new WebConsole();
        try (Replay load = new Replay(pipeline, "reconfig-aggregate", ConsumerHotSwapTest.RATE, 180)) {
            Await.until("the aggregator counts the replay", 30_000, () -> query.totals().flows() > 100_000);
            List<Duration> first = List.of(Duration.ofSeconds(30), Duration.ofMinutes(5));
            measure("aggregation windows and dimensions (config file)", () -> writeConfig("org.flowlens.aggregate.cfg",
                    "windows=[\"30s\",\"5m\"]\ndimensions=[\"src_addr\",\"dst_port+protocol\"]\n"),
                    () -> query.windows().equals(first) && query.dimensions().equals(List.of("src_addr", "dst_port+protocol")));
            long flows = query.window(Duration.ofSeconds(30)).flows();
            Await.until("the new 30 s window fills", 30_000, () -> query.window(Duration.ofSeconds(30)).flows() > flows);

            refused("aggregation window 'banana' (config file)", () -> writeConfig("org.flowlens.aggregate.cfg",
                    "windows=[\"banana\"]\ndimensions=[\"src_addr\"]\n"), "Aggregation configuration refused, keeping the last good one");
            assertEquals("the last good windows are kept", first, query.windows());
            assertEquals("the last good dimensions are kept", List.of("src_addr", "dst_port+protocol"), query.dimensions());

            List<Duration> second = List.of(Duration.ofMinutes(1), Duration.ofMinutes(15));
            measure("aggregation windows and dimensions (Web Console)", () -> console.saveConfiguration("org.flowlens.aggregate",
                    Map.of("windows", new String[] {"1m", "15m"}, "dimensions", new String[] {"protocol", "dst_addr"})),
                    () -> query.windows().equals(second) && query.dimensions().equals(List.of("protocol", "dst_addr")));
            refusedInConsole("aggregation dimension 'colour' (Web Console)", () -> console.saveConfiguration("org.flowlens.aggregate",
                    Map.of("windows", new String[] {"1m"}, "dimensions", new String[] {"colour"})), "Aggregation configuration refused, keeping the last good one",
                    "org.flowlens.aggregate.cfg", "colour");
            assertEquals("the last good windows are kept", second, query.windows());
            assertEquals("the last good dimensions are kept", List.of("protocol", "dst_addr"), query.dimensions());
        }
    }

    @Test
    public void aDetectorThresholdChangesLive() throws Exception {
        WebConsole console = new WebConsole();
        try (Replay load = new Replay(pipeline, "reconfig-detector", ConsumerHotSwapTest.RATE, 180)) {
            // the replay's scanner probes 300 distinct ports: over every threshold below
            measure("port scan threshold 250 (config file)", () -> writeConfig("flowlens.detect.portscan.cfg", "threshold=I\"250\"\n"),
                    () -> scanThreshold() == 250);
            measure("port scan threshold 280 (Web Console)", () -> console.saveConfiguration("flowlens.detect.portscan",
                    Map.of("threshold", new String[] {"280"})), () -> scanThreshold() == 280);
            writtenBack("flowlens.detect.portscan.cfg", "280");
            refused("port scan threshold 1 (config file)", () -> writeConfig("flowlens.detect.portscan.cfg", "threshold=I\"1\"\n"),
                    "Port scan detector configuration refused, keeping the last good one: threshold must be 2..65536");
            refusedInConsole("port scan threshold 70000 (Web Console)", () -> console.saveConfiguration("flowlens.detect.portscan",
                    Map.of("threshold", new String[] {"70000"})), "Port scan detector configuration refused, keeping the last good one",
                    "flowlens.detect.portscan.cfg", "70000");
            double evaluations = count("flowlens_detect_evaluations_total", "detector", "portscan");
            Await.until("two evaluations after the refusals", 30_000, () -> count("flowlens_detect_evaluations_total", "detector", "portscan") >= evaluations + 2);
            assertEquals("the last good threshold is in force", 280.0, scanThreshold(), 0.0);
        }
    }

    @Test
    public void theLogLevelChangesLive() throws Exception {
        WebConsole console = new WebConsole();
        Logger log = LoggerFactory.getLogger("org.flowlens.pipeline.Pipeline");
        try (Replay load = new Replay(pipeline, "reconfig-logging", ConsumerHotSwapTest.RATE, 180)) {
            measure("log level debug (config file)", () -> writeConfig("flowlens.logging.cfg", "level=\"debug\"\n"), log::isDebugEnabled);
            measure("log level warn (Web Console)", () -> console.saveConfiguration("flowlens.logging",
                    Map.of("level", new String[] {"warn"}, "format", new String[] {"text"})), () -> !log.isInfoEnabled() && log.isWarnEnabled());
            writtenBack("flowlens.logging.cfg", "warn");
            refused("log level 'loud' (config file)", () -> writeConfig("flowlens.logging.cfg", "level=\"loud\"\n"),
                    "Refused logging configuration: level must be one of debug, info, warn, error; got 'loud'");
            assertFalse("the last good level (warn) is kept", log.isInfoEnabled());
            assertTrue(log.isWarnEnabled());
            measure("log level info (config file)", () -> writeConfig("flowlens.logging.cfg", "level=\"info\"\n"), () -> log.isInfoEnabled() && !log.isDebugEnabled());
        }
    }

    @Test
    public void aPrometheusSinkSettingChangesLive() throws Exception {
        WebConsole console = new WebConsole();
        try (Replay load = new Replay(pipeline, "reconfig-sink", ConsumerHotSwapTest.RATE, 180)) {
            Await.until("flow series on /metrics", 30_000, () -> flowSeries().contains("src_addr="));
            measure("Prometheus label groups + ports (config file)", () -> writeConfig("flowlens.prometheus.flows.cfg",
                    "labelGroups=[\"protocol\",\"ports\"]\n"), () -> flowSeries().contains("dst_port=\"443\"") && !flowSeries().contains("src_addr="));
            refused("Prometheus maxSeries 5 (config file)", () -> writeConfig("flowlens.prometheus.flows.cfg", "labelGroups=[\"protocol\"]\nmaxSeries=I\"5\"\n"),
                    "Refused Prometheus flow metrics configuration: maxSeries must be 10-1000000, got 5; keeping the last good one");
            assertTrue("the last good label groups are kept", flowSeries().contains("dst_port=\"443\""));
            measure("Prometheus label groups addresses (Web Console)", () -> console.saveConfiguration("flowlens.prometheus.flows",
                    Map.of("labelGroups", new String[] {"addresses"}, "maxSeries", new String[] {"10000"})),
                    () -> flowSeries().contains("src_addr=") && !flowSeries().contains("dst_port="));
            refusedInConsole("Prometheus label group 'colour' (Web Console)", () -> console.saveConfiguration("flowlens.prometheus.flows",
                    Map.of("labelGroups", new String[] {"colour"}, "maxSeries", new String[] {"10000"})), "unknown label group 'colour'",
                    "flowlens.prometheus.flows.cfg", "colour");
            assertTrue("the last good label groups are kept", flowSeries().contains("src_addr=") && !flowSeries().contains("dst_port="));
        }
    }

    // ------------------------------------------------------------------ helpers

    interface Change {
        void run() throws Exception;
    }

    /** Applies a change and waits for its effect; records the time it took. */
    private static void measure(String what, Change change, BooleanSupplier effect) throws Exception {
        long t0 = System.nanoTime();
        change.run();
        Await.until(what + " in effect", 60_000, effect);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        FIGURES.put(what, ms);
        System.out.printf("%s: in effect after %d ms (load average %.2f)%n", what, ms,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Applies an invalid change and waits for the component's refusal in the log. */
    private static void refused(String what, Change change, String message) throws Exception {
        int mark = ConsoleLog.text().length();
        long t0 = System.nanoTime();
        change.run();
        Await.until("the refusal of " + what + " in the log: " + message, 60_000, () -> ConsoleLog.since(mark).contains(message));
        FIGURES.put(what + " refused", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /**
     * As {@link #refused}, for an edit in the Web Console: the edit the component refuses is not saved
     * to its file in config/ either, so that a restart starts it on the configuration it runs on.
     */
    private static void refusedInConsole(String what, Change change, String message, String file, String invalid) throws Exception {
        int mark = ConsoleLog.text().length();
        refused(what, change, message);
        Await.until("the edit of " + what + " kept out of config/" + file, 60_000,
                () -> ConsoleLog.since(mark).contains("Not saving the configuration of"));
        String saved = Files.readString(Assembly.work().resolve("config").resolve(file));
        assertFalse(what + " was saved to config/" + file + ":\n" + saved, saved.contains(invalid));
    }

    /**
     * Waits until a Web Console edit is written back to its file: the write-back follows the change
     * on another thread, and would otherwise replace a file edit made right after it.
     */
    private static void writtenBack(String file, String value) {
        Path p = Assembly.work().resolve("config").resolve(file);
        Await.until("the Web Console's edit written back to " + file, 30_000, () -> {
            try {
                return Files.readString(p).contains(value);
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static void writeConfig(String file, String content) throws IOException {
        Path tmp = Files.createTempFile(Assembly.work(), "cfg", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, Assembly.work().resolve("config").resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String listener(int port) {
        return "name=\"live\"\nbindAddress=\"127.0.0.1\"\nport=I\"" + port + "\"\n";
    }

    private static Map<String, String[]> listenerForm(int port) {
        return Map.of("name", new String[] {"live"}, "bindAddress", new String[] {"127.0.0.1"}, "port", new String[] {Integer.toString(port)});
    }

    private static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The port listener {@code name} is bound to, -1 while it does not run. */
    private int port(String name) {
        try {
            for (ServiceReference<CaptureSource> ref : context.getServiceReferences(CaptureSource.class, null)) {
                CaptureSource s = context.getService(ref);
                try {
                    if (s != null && name.equals(s.status().get("listener")) && s.state() == CaptureSource.State.RUNNING
                            && s.status().get("port") instanceof Integer p) {
                        return p;
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return -1;
    }

    /** A datagram sent to the port is received and decoded by the listener. */
    private void assertDecodes(String listener, int port) throws IOException {
        double before = count("flowlens_collector_records_total", "listener", listener);
        byte[] d = Replay.datagram(1);
        try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(d, d.length, InetAddress.getByName("127.0.0.1"), port));
        }
        Await.until("a datagram to port " + port + " decoded by " + listener, 30_000,
                () -> count("flowlens_collector_records_total", "listener", listener) >= before + Replay.RECORDS_PER_DATAGRAM);
    }

    /** The threshold in force in the port scan alert of the replay's scanner; -1 while there is none. */
    private double scanThreshold() {
        try {
            for (ServiceReference<Detector> ref : context.getServiceReferences(Detector.class, null)) {
                Detector d = context.getService(ref);
                try {
                    if (d != null && "portscan".equals(d.name())) {
                        for (Alert a : d.active()) {
                            if (Replay.SCANNER.equals(a.key())) {
                                return a.threshold();
                            }
                        }
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return -1;
    }

    private double count(String name, String... labels) {
        double v = Ledger.value(metrics, name, labels);
        return Double.isNaN(v) ? 0 : v;
    }

    /** The flow_flows_total lines of /metrics. */
    private static String flowSeries() {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Assembly.HTTP_PORT + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return "";
            }
            StringBuilder sb = new StringBuilder();
            r.body().lines().filter(l -> l.startsWith("flow_flows_total{")).forEach(l -> sb.append(l).append('\n'));
            return sb.toString();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
