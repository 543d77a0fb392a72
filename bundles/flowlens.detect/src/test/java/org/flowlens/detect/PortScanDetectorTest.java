package org.flowlens.detect;

import static org.flowlens.detect.Flows.ACK;
import static org.flowlens.detect.Flows.PSH;
import static org.flowlens.detect.Flows.SYN;
import static org.flowlens.detect.Flows.syn;
import static org.flowlens.detect.Flows.tcp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PortScanDetectorTest {
    private final Harness h = new Harness();
    private final int scanner = v4("10.0.0.66");
    private final int target = v4("10.0.0.5");
    private PortScanDetector d;
    private int nextPort = 1;

    private PortScanDetector start(Map<String, Object> config) {
        d = h.wire(new PortScanDetector());
        d.activate(Configs.of(PortScanDetector.Config.class, config));
        return d;
    }

    private void modify(Map<String, Object> config) {
        d.modified(Configs.of(PortScanDetector.Config.class, config));
    }

    @AfterEach
    void stop() {
        if (d != null) {
            d.deactivate(Harness.DISABLED);
        }
    }

    /** Probes {@code n} new ports of the target. */
    private void probes(int n) {
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < n; i++) {
            syn(b, scanner, target, 40000, nextPort++);
        }
        d.accept(b);
    }

    @Test
    void scanRaisesOneAlertWithEvidenceAndResolvesAfterTheQuietPeriod() {
        start(Map.of("threshold", 100));
        long crossed = -1;
        // 20 ports every 100 ms (200 ports/s) for 2 s
        for (int step = 0; step < 20; step++) {
            probes(20);
            if (crossed < 0 && nextPort - 1 >= 100) {
                crossed = h.ticker.now();
            }
            h.ticker.advance(100);
        }
        long lastProbe = h.ticker.now() - 100;
        List<Alert> raised = h.raised();
        assertEquals(1, raised.size(), "one alert for one scanner");
        Alert a = raised.get(0);
        assertEquals("portscan", a.detector());
        assertEquals("10.0.0.66", a.key());
        assertTrue(a.value() >= 100, "value " + a.value());
        assertEquals(100, a.threshold());
        assertEquals(Alert.Severity.WARNING, a.severity());
        assertEquals("10.0.0.5", a.evidence().get(0).get("address"));
        assertTrue(a.message().contains("distinct ports"), a.message());
        assertTrue(a.firstMillis() >= crossed);
        Harness.logTimeToAlert("portscan, 200 ports/s, threshold 100 (simulated clock)", a.firstMillis() - crossed);
        assertEquals(1, d.active().size());

        // nothing more: the ports leave the 60 s window, then 30 s of quiet resolve the alert
        h.ticker.advance(120_000);
        List<Alert> resolved = h.resolved();
        assertEquals(1, resolved.size());
        Alert r = resolved.get(0);
        assertEquals(a.id(), r.id());
        assertTrue(r.value() >= 400, "peak " + r.value());
        long after = r.lastMillis() - lastProbe;
        // the last probe leaves the window after 60 s (whole seconds), then 30 s of quiet
        assertTrue(after >= 88_000 && after <= 92_000, "resolved " + after + " ms after the last probe");
        assertTrue(d.active().isEmpty());
        assertEquals(1, h.metrics.value("flowlens_detect_alerts_total", "detector", "portscan", "state", "raised"));
        assertEquals(1, h.metrics.value("flowlens_detect_alerts_total", "detector", "portscan", "state", "resolved"));
        assertEquals(400, h.metrics.value("flowlens_detect_records_total", "detector", "portscan"));
        assertEquals(0.0, h.metrics.gauge("flowlens_detect_keys", "detector", "portscan"), "idle sources are forgotten");
    }

    @Test
    void itsCheckTellsWhatALiveChangeWouldRefuse() {
        PortScanDetector check = new PortScanDetector();
        assertEquals(null, check.problem(PortScanDetector.PID, Map.of("threshold", 50)));
        String refused = check.problem(PortScanDetector.PID, Map.of("threshold", 1));
        assertTrue(refused != null && refused.contains("threshold"), refused);
        assertTrue(check.problem(PortScanDetector.PID, Map.of("window", "soon")) != null);
    }

    @Test
    void conversationsAndAnswersDoNotCount() {
        start(Map.of("threshold", 100));
        FlowBatch b = new FlowBatch();
        for (int p = 1; p <= 500; p++) {
            // a client talking to 500 services, and the target answering a scan with SYN+ACK and RST+ACK
            tcp(b, scanner, target, 40000 + p, p, SYN | ACK | PSH, 10, 5000);
            tcp(b, target, scanner, p, 40000, SYN | ACK, 1, 44);
            tcp(b, target, scanner, p + 1000, 40001, Flows.RST | ACK, 1, 40);
        }
        d.accept(b);
        h.ticker.advance(5_000);
        assertTrue(h.events.events().isEmpty());
    }

    @Test
    void belowTheThresholdRaisesNothing() {
        start(Map.of("threshold", 100));
        probes(99);
        h.ticker.advance(5_000);
        assertTrue(h.events.events().isEmpty());
        probes(1);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
    }

    @Test
    void allowListedNetworksAndPortsAreIgnored() {
        start(Map.of("threshold", 100, "allowCidrs", new String[] {"192.0.2.0/24, 10.0.0.64/28"}));
        probes(300);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty());
        assertEquals(300, h.metrics.value("flowlens_detect_ignored_records_total", "detector", "portscan"));

        modify(Map.of("threshold", 100, "allowPorts", new String[] {"1-1000"}));
        nextPort = 1;
        probes(300);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty());
        nextPort = 1001;
        probes(200);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "ports above 1000 are not allowed");
        assertEquals(200, h.raised().get(0).value());
    }

    @Test
    void aThresholdChangeAppliesAtTheNextEvaluationWithoutLosingTheWindow() {
        Map<String, Object> cfg = new HashMap<>(Map.of("threshold", 200, "quietPeriod", "5s", "cooldown", "0"));
        start(cfg);
        probes(150);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty(), "150 ports stay under 200");

        long changed = h.ticker.now();
        cfg.put("threshold", 100);
        modify(cfg);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "the ports already in the window now cross 100");
        assertEquals(150, h.raised().get(0).value());
        Harness.logTimeToAlert("portscan, threshold lowered live (simulated clock)", h.raised().get(0).firstMillis() - changed);

        cfg.put("threshold", 1000);
        modify(cfg);
        h.ticker.advance(4_000);
        assertTrue(h.resolved().isEmpty(), "the quiet period has not passed yet");
        h.ticker.advance(2_000);
        assertEquals(1, h.resolved().size(), "raised above the value, the alert resolves after the quiet period");

        // an invalid change is refused and the last good threshold stays (no cool-down would hide a new alert)
        cfg.put("threshold", 1);
        modify(cfg);
        h.ticker.advance(2_000);
        assertEquals(1, h.raised().size());
    }

    @Test
    void oneAlertPerKeyWithUpdatesAndEscalation() {
        start(Map.of("threshold", 100, "criticalFactor", 5, "updateInterval", "10s"));
        probes(150);
        for (int s = 0; s < 25; s++) {
            probes(2);
            h.ticker.advance(1_000);
        }
        List<Alert> all = h.events.alerts();
        assertEquals(1, h.raised().size());
        List<Alert> ongoing = h.events.alerts(Alert.State.ONGOING);
        assertEquals(2, ongoing.size(), "updated every 10 s: " + all);
        for (Alert a : all) {
            assertEquals(h.raised().get(0).id(), a.id());
            assertEquals(Alert.Severity.WARNING, a.severity());
        }
        assertTrue(ongoing.get(1).value() > ongoing.get(0).value());

        probes(400); // now ~600 ports: over 5 x 100
        h.ticker.advance(1_000);
        Alert last = h.events.alerts().get(h.events.alerts().size() - 1);
        assertEquals(Alert.State.ONGOING, last.state());
        assertEquals(Alert.Severity.CRITICAL, last.severity(), "escalation is published at once");
        assertEquals(1, h.raised().size());
    }

    @Test
    void aResolvedKeyCoolsDownBeforeItAlertsAgain() {
        start(Map.of("threshold", 100, "window", "10s", "quietPeriod", "5s", "cooldown", "60s"));
        probes(150);
        h.ticker.advance(16_000);
        assertEquals(1, h.resolved().size());
        long resolvedAt = h.resolved().get(0).lastMillis();

        // the scan returns during the cool-down: counted, not raised
        for (int s = 0; s < 30; s++) {
            probes(20);
            h.ticker.advance(1_000);
        }
        assertEquals(1, h.raised().size());
        assertTrue(h.metrics.value("flowlens_detect_suppressed_alerts_total", "detector", "portscan", "reason", "cooldown") > 0);

        // still scanning after the cool-down: a new alert
        while (h.ticker.now() < resolvedAt + 61_000) {
            probes(20);
            h.ticker.advance(1_000);
        }
        assertEquals(2, h.raised().size());
        assertNotEquals(h.raised().get(0).id(), h.raised().get(1).id());
        assertTrue(h.raised().get(1).firstMillis() >= resolvedAt + 60_000);
    }

    @Test
    void switchingOffResolvesAndIgnoresUntilSwitchedOn() {
        Map<String, Object> cfg = new HashMap<>(Map.of("threshold", 100, "cooldown", "0"));
        start(cfg);
        probes(150);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());

        cfg.put("enabled", false);
        modify(cfg);
        assertEquals(1, h.resolved().size(), "switching off resolves at once");
        assertTrue(h.resolved().get(0).message().contains("switched off"));
        probes(500);
        h.ticker.advance(5_000);
        assertEquals(1, h.raised().size());
        assertEquals(0.0, h.metrics.gauge("flowlens_detect_keys", "detector", "portscan"));

        cfg.put("enabled", true);
        modify(cfg);
        probes(150);
        h.ticker.advance(1_000);
        assertEquals(2, h.raised().size());
    }

    @Test
    void sampledRecordsScaleTheDistinctCount() {
        start(Map.of("threshold", 100));
        FlowBatch b = new FlowBatch();
        for (int p = 1; p <= 15; p++) {
            syn(b, scanner, target, 40000, p).samplingRate(10).packets(10).bytes(440);
        }
        d.accept(b);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
        assertEquals(150, h.raised().get(0).value(), "15 sampled ports at 1:10 stand for about 150");
    }

    @Test
    void aFullKeyTableDropsAndCounts() {
        start(Map.of("threshold", 100, "maxKeys", 16));
        FlowBatch b = new FlowBatch();
        for (int s = 0; s < 20; s++) {
            syn(b, v4("198.51.100.0", s), target, 40000, 22);
        }
        d.accept(b);
        assertEquals(4, h.metrics.value("flowlens_detect_dropped_records_total", "detector", "portscan"));
        assertEquals(16.0, h.metrics.gauge("flowlens_detect_keys", "detector", "portscan"));
        // growing the table live keeps the sources it holds
        modify(Map.of("threshold", 100, "maxKeys", 64));
        assertEquals(16.0, h.metrics.gauge("flowlens_detect_keys", "detector", "portscan"));
    }

    @Test
    void ipv6Scanners() {
        start(Map.of("threshold", 50));
        long[] src = IpAddresses.parse("2001:db8::66");
        long[] dst = IpAddresses.parse("2001:db8::5");
        FlowBatch b = new FlowBatch();
        for (int p = 1; p <= 60; p++) {
            b.next().src(src[0], src[1]).dst(dst[0], dst[1]).protocol(6).srcPort(50000).dstPort(p).tcpFlags(SYN)
                    .packets(1).bytes(64);
        }
        d.accept(b);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
        assertEquals("2001:db8::66", h.raised().get(0).key());
        assertEquals("2001:db8::5", h.raised().get(0).evidence().get(0).get("address"));
        assertFalse(h.raised().get(0).id().contains(":"), "ids are safe in URLs");
    }
}
