package org.flowlens.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.capture.pcap.CaptureTools;
import org.flowlens.capture.pcap.DependencyReport;
import org.flowlens.capture.pcap.LiveCapture;
import org.flowlens.capture.pcap.LiveCaptureOptions;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.flowlens.detect.engine.TickerComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real scan: nmap in the host's namespace scans a host in a network namespace the test creates
 * (a veth pair, 10.231.7.1 here, 10.231.7.2 there), the live capture meters the packets on the veth,
 * and the detectors, at their default settings on the wall clock, raise their alerts. A second scan
 * goes through the namespace to 10.231.8.2, which does not exist: its SYNs are never answered.
 *
 * <p>Needs Linux, root, libpcap, iproute2 ({@code ip}) and nmap (Debian packages libpcap0.8,
 * iproute2, nmap); skipped with a message otherwise.
 */
class NmapScanTest {
    private static final String SCANNER = "10.231.7.1";
    private static final String TARGET = "10.231.7.2";
    private static final String NOWHERE = "10.231.8.2";

    private final String suffix = Long.toString(ProcessHandle.current().pid() % 100_000);
    private final String ns = "fldet" + suffix;
    private final String veth = "fld" + suffix + "a";
    private final String peer = "fld" + suffix + "b";

    private final TestMetrics metrics = new TestMetrics();
    private final RecordingEventAdmin events = new RecordingEventAdmin();
    private final TickerComponent ticker = new TickerComponent();
    private final Map<String, CountDownLatch> raised = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> raisedAt = new ConcurrentHashMap<>();
    private final List<DetectorBase> detectors = new ArrayList<>();
    private final AtomicLong firstRecord = new AtomicLong();
    /** When each port of the target was first probed (capture time, epoch milliseconds). */
    private final Map<Integer, Long> probedAt = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> raisedAtMillis = new ConcurrentHashMap<>();
    private boolean namespaceMade;

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : (path + ":/usr/sbin:/sbin:/usr/bin").split(":")) {
            if (new File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static String run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + out);
        }
        return out;
    }

    @BeforeEach
    void network() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"), "nmap scan test skipped: not Linux");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "nmap scan test skipped: needs root to make a network namespace and capture");
        Assumptions.assumeTrue(onPath("nmap"), "nmap scan test skipped: nmap is not installed (Debian package nmap)");
        Assumptions.assumeTrue(onPath("ip"), "nmap scan test skipped: ip is not installed (Debian package iproute2)");
        DependencyReport deps = CaptureTools.checkDependencies();
        Assumptions.assumeTrue(deps.ok(), "nmap scan test skipped: " + deps.message());
        try {
            run(10, "ip", "netns", "add", ns);
        } catch (IOException e) {
            Assumptions.abort("nmap scan test skipped: cannot make a network namespace here (" + e.getMessage() + ")");
        }
        namespaceMade = true;
        run(10, "ip", "link", "add", veth, "type", "veth", "peer", "name", peer);
        run(10, "ip", "link", "set", peer, "netns", ns);
        run(10, "ip", "addr", "add", SCANNER + "/24", "dev", veth);
        run(10, "ip", "link", "set", veth, "up");
        run(10, "ip", "netns", "exec", ns, "ip", "addr", "add", TARGET + "/24", "dev", peer);
        run(10, "ip", "netns", "exec", ns, "ip", "link", "set", peer, "up");
        run(10, "ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        // through the namespace to a network that is not there: the namespace does not forward, the SYNs die
        run(10, "ip", "route", "add", "10.231.8.0/24", "via", TARGET, "dev", veth);
        ticker.activate();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (DetectorBase d : detectors) {
            d.stop(Harness.DISABLED);
        }
        if (namespaceMade) {
            ticker.deactivate();
            try {
                run(10, "ip", "route", "del", "10.231.8.0/24");
            } catch (IOException e) {
                // gone with the link
            }
            try {
                run(10, "ip", "link", "del", veth);
            } catch (IOException e) {
                // gone with the namespace
            }
            run(10, "ip", "netns", "del", ns);
        }
    }

    private <T extends DetectorBase> T detector(T d) {
        d.metrics = metrics;
        d.ticker = ticker;
        d.eventAdmin = events;
        detectors.add(d);
        return d;
    }

    private void expect(String detector, String key) {
        raised.put(detector + " " + key, new CountDownLatch(1));
        raisedAt.put(detector + " " + key, new AtomicLong());
        raisedAtMillis.put(detector + " " + key, new AtomicLong());
    }

    private Alert raised(String detector, String key) {
        return events.alerts(a -> a.state() == Alert.State.RAISED && a.detector().equals(detector) && a.key().equals(key))
                .stream().findFirst().orElse(null);
    }

    @Test
    void nmapScansRaiseThePortScanAndTheUnansweredSource() throws Exception {
        PortScanDetector portscan = detector(new PortScanDetector());
        portscan.activate(Configs.defaults(PortScanDetector.Config.class));
        UnansweredDetector unanswered = detector(new UnansweredDetector());
        unanswered.activate(Configs.defaults(UnansweredDetector.Config.class));
        HostSweepDetector sweep = detector(new HostSweepDetector());
        sweep.activate(Configs.defaults(HostSweepDetector.Config.class));
        expect("portscan", SCANNER);
        expect("unanswered", SCANNER);
        events.handler(e -> {
            Alert a = AlertEvents.alert(e);
            if (a != null && a.state() == Alert.State.RAISED) {
                String k = a.detector() + " " + a.key();
                CountDownLatch l = raised.get(k);
                if (l != null && l.getCount() > 0) {
                    raisedAt.get(k).set(System.nanoTime());
                    raisedAtMillis.get(k).set(System.currentTimeMillis());
                    l.countDown();
                }
            }
        });

        LiveCapture capture = new LiveCapture(new LiveCaptureOptions(veth, false, 256, "net 10.231.0.0/16", 8 << 20, true, 100),
                new MeterSettings(), new DomainTable(1000, 60, 3600), (FlowBatch batch) -> {
                    firstRecord.compareAndSet(0, System.nanoTime());
                    long scanner = IpAddresses.v4Lo(Flows.v4(SCANNER));
                    long target = IpAddresses.v4Lo(Flows.v4(TARGET));
                    for (int i = 0; i < batch.size(); i++) {
                        FlowRecord r = batch.get(i);
                        if (r.protocol() == 6 && r.srcLo() == scanner && r.dstLo() == target) {
                            probedAt.merge(r.dstPort(), r.startMillis(), Math::min);
                        }
                    }
                    portscan.accept(batch);
                    unanswered.accept(batch);
                    sweep.accept(batch);
                });
        capture.open();
        Thread thread = new Thread(capture, "nmap-capture");
        thread.start();
        long scanStart;
        long scanEnd;
        String nmapOut;
        try {
            // a SYN scan of 1,000 ports of a host whose ports are closed: each probe is answered with a reset
            scanStart = System.nanoTime();
            nmapOut = run(180, "nmap", "-n", "-Pn", "-sS", "-T4", "--max-retries", "0", "-p", "1-1000", TARGET);
            scanEnd = System.nanoTime();
            assertTrue(nmapOut.contains("1000 closed") || nmapOut.contains("closed tcp ports"), nmapOut);
            assertTrue(raised.get("portscan " + SCANNER).await(30, TimeUnit.SECONDS),
                    "no port scan alert within 30 s: " + events.alerts() + " " + capture.status());
            long tta = (raisedAt.get("portscan " + SCANNER).get() - scanStart) / 1_000_000;
            Harness.logTimeToAlert("nmap -sS 1000 ports, live capture, defaults (wall clock)", tta);
            // the packet meter reports open sessions 500 ms after their first packet by default (update interval)
            Harness.logTimeToAlert("nmap -sS, from the first metered record to the alert (wall clock)",
                    (raisedAt.get("portscan " + SCANNER).get() - firstRecord.get()) / 1_000_000);
            // the condition begins when the threshold's 100th distinct port is probed (capture time)
            long[] probes = probedAt.values().stream().mapToLong(Long::longValue).sorted().toArray();
            assertTrue(probes.length >= 100, "probes seen: " + probes.length);
            Harness.logTimeToAlert("nmap -sS, from the 100th probed port (threshold) to the alert",
                    raisedAtMillis.get("portscan " + SCANNER).get() - probes[99]);
            System.out.println("nmap scan took " + (scanEnd - scanStart) / 1_000_000 + " ms");

            // SYNs into the void: no answer ever; the meter reports these open sessions at its update
            // interval, long before they time out, so the alert comes while the capture runs
            long voidStart = System.nanoTime();
            run(180, "nmap", "-n", "-Pn", "-sS", "-T4", "--max-retries", "0", "-p", "1-200", NOWHERE);
            assertTrue(raised.get("unanswered " + SCANNER).await(30, TimeUnit.SECONDS),
                    "no unanswered-source alert within 30 s while capturing: " + events.alerts() + " " + capture.status());
            Harness.logTimeToAlert("nmap -sS 200 ports into the void, unanswered source (wall clock)",
                    (raisedAt.get("unanswered " + SCANNER).get() - voidStart) / 1_000_000);
        } finally {
            capture.stop();
            thread.join(15_000);
        }
        assertNull(capture.lastError());

        Alert scan = raised("portscan", SCANNER);
        assertTrue(scan.value() >= 100, scan.toString());
        assertEquals(TARGET, scan.evidence().get(0).get("address"), scan.toString());
        Alert bad = raised("unanswered", SCANNER);
        assertTrue(bad.value() >= 20, bad.toString());
        assertTrue(bad.evidence().stream().allMatch(m -> NOWHERE.equals(m.get("address"))),
                "the refused probes of the first scan are not unanswered: " + bad);
        assertEquals(0, events.alerts(a -> a.detector().equals("unanswered") && a.key().equals(TARGET)).size());
        assertEquals(0, events.alerts(a -> a.detector().equals("hostsweep")).size(), "two hosts are no sweep");
        System.out.println("nmap scan alerts: " + scan.message() + " | " + bad.message());
    }
}
