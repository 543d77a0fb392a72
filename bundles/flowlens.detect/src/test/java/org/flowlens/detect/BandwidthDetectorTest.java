package org.flowlens.detect;

import static org.flowlens.detect.Flows.ACK;
import static org.flowlens.detect.Flows.PSH;
import static org.flowlens.detect.Flows.tcp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BandwidthDetectorTest {
    private final Harness h = new Harness();
    private BandwidthDetector d;

    private void start(Map<String, Object> config) {
        d = h.wire(new BandwidthDetector());
        d.activate(Configs.of(BandwidthDetector.Config.class, config));
    }

    @AfterEach
    void stop() {
        d.deactivate(Harness.DISABLED);
    }

    /** {@code mbps} megabits per second from {@code src} to {@code dst}, as 100 ms records. */
    private static void stream(FlowBatch b, int src, int dst, int mbps) {
        tcp(b, src, dst, 443, 50000, ACK | PSH, mbps * 10L, mbps * 12_500L);
    }

    @Test
    void aHostOverItsRateRaisesWithItsTopPeers() {
        start(Map.of("name", "bandwidth-host", "scope", "host", "bitsPerSecond", "100M"));
        int host = v4("10.0.0.5");
        h.feed(d, 3_000, 100, b -> {
            stream(b, v4("203.0.113.1"), host, 20);
            stream(b, v4("203.0.113.2"), host, 20);
        });
        assertTrue(h.events.events().isEmpty(), "40 Mbit/s");
        long begin = h.ticker.now();
        h.feed(d, 5_000, 100, b -> {
            stream(b, v4("203.0.113.1"), host, 90);
            stream(b, v4("203.0.113.2"), host, 60);
            stream(b, host, v4("203.0.113.3"), 50);
        });
        assertEquals(1, h.raised().size(), h.raised().toString());
        Alert a = h.raised().get(0);
        assertEquals("bandwidth-host", a.detector());
        assertEquals("10.0.0.5", a.key());
        assertEquals("203.0.113.1", a.evidence().get(0).get("address"));
        assertTrue(a.message().contains("sent and received"), a.message());
        Harness.logTimeToAlert("bandwidth host, 40 -> 200 Mbit/s, threshold 100M, default 3 s window (simulated)", a.firstMillis() - begin);
        assertEquals(1, h.metrics.value("flowlens_detect_alerts_total", "detector", "bandwidth-host", "state", "raised"));
    }

    @Test
    void subnetsInsideTheNetworksAddUpTheirHosts() {
        start(Map.of("name", "bandwidth-subnet", "scope", "subnet", "bitsPerSecond", "100M", "prefixV4", 24,
                "networks", new String[] {"10.0.0.0/8"}, "direction", "out"));
        h.feed(d, 3_000, 100, b -> {
            for (int i = 1; i <= 20; i++) {
                stream(b, v4("10.0.7.0", i), v4("203.0.113.0", i), 10);
            }
        });
        assertEquals(1, h.raised().size(), h.raised().toString());
        assertEquals("10.0.7.0/24", h.raised().get(0).key());
        assertTrue(h.raised().get(0).message().contains(" sent "), h.raised().get(0).message());
    }

    @Test
    void totalTrafficAndItsTopTalkers() {
        start(Map.of("name", "bandwidth-total", "scope", "total", "bitsPerSecond", "150M"));
        h.feed(d, 3_000, 100, b -> {
            for (int i = 1; i <= 20; i++) {
                stream(b, v4("10.0.7.0", i), v4("203.0.113.0", i), i);
            }
        });
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertEquals("total", a.key());
        assertEquals(8, a.evidence().size());
        assertTrue(a.evidence().stream().anyMatch(m -> m.get("address").equals("10.0.7.20")));
    }

    @Test
    void aLongFlowExportedAtOnceCountsOnlyItsShareOfTheWindow() {
        start(Map.of("name", "bandwidth-host", "scope", "host", "bitsPerSecond", "150M"));
        FlowBatch b = new FlowBatch();
        // 80 Mbit/s for 60 s, reported in one record when the flow ends
        tcp(b, v4("10.0.0.8"), v4("203.0.113.8"), 50000, 443, ACK | PSH, 500_000, 600_000_000L)
                .startMillis(h.ticker.now() - 60_000).endMillis(h.ticker.now());
        d.accept(b);
        h.ticker.advance(5_000);
        assertTrue(h.events.events().isEmpty(), h.events.alerts().toString());
    }

    @Test
    void thresholdChangesApplyLive() {
        Map<String, Object> cfg = new HashMap<>(Map.of("name", "bandwidth-host", "scope", "host", "direction", "in",
                "bitsPerSecond", "100M", "quietPeriod", "5s", "cooldown", "0"));
        start(cfg);
        int host = v4("10.0.0.5");
        h.feed(d, 6_000, 100, b -> stream(b, v4("203.0.113.1"), host, 80));
        assertTrue(h.events.events().isEmpty());

        cfg.put("bitsPerSecond", "50M");
        d.modified(Configs.of(BandwidthDetector.Config.class, cfg));
        long changed = h.ticker.now();
        h.feed(d, 1_000, 100, b -> stream(b, v4("203.0.113.1"), host, 80));
        assertEquals(1, h.raised().size());
        assertEquals(1_000, h.raised().get(0).firstMillis() - changed, "at the next evaluation");
        assertEquals(Alert.Severity.WARNING, h.raised().get(0).severity());

        cfg.put("bitsPerSecond", "200M");
        d.modified(Configs.of(BandwidthDetector.Config.class, cfg));
        h.feed(d, 7_000, 100, b -> stream(b, v4("203.0.113.1"), host, 80));
        assertEquals(1, h.resolved().size());

        // a rule cannot be renamed live; the refused change leaves the threshold at 200M
        cfg.put("name", "other");
        cfg.put("bitsPerSecond", "1M");
        d.modified(Configs.of(BandwidthDetector.Config.class, cfg));
        h.feed(d, 3_000, 100, b -> stream(b, v4("203.0.113.1"), host, 80));
        assertEquals(1, h.raised().size());
        assertEquals("bandwidth-host", d.name());
    }

    @Test
    void anInvalidRuleStaysOff() {
        start(Map.of("name", "broken rule!", "scope", "everything"));
        h.feed(d, 3_000, 100, b -> stream(b, v4("203.0.113.1"), v4("10.0.0.5"), 900));
        assertTrue(h.events.events().isEmpty());
        assertEquals("bandwidth-invalid", d.name());
    }
}
