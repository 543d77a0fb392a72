package org.flowlens.detect;

import static org.flowlens.detect.Flows.ACK;
import static org.flowlens.detect.Flows.PSH;
import static org.flowlens.detect.Flows.SYN;
import static org.flowlens.detect.Flows.tcp;
import static org.flowlens.detect.Flows.udp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FloodDetectorTest {
    private final Harness h = new Harness();
    private final int victim = v4("10.0.0.10");
    private FloodDetector d;

    private void start(Map<String, Object> config) {
        d = h.wire(new FloodDetector());
        d.activate(Configs.of(FloodDetector.Config.class, config));
    }

    @AfterEach
    void stop() {
        d.deactivate(Harness.DISABLED);
    }

    /** UDP packets from 50 sources, {@code pps} packets per second in 100 ms batches. */
    private void udpFlood(int pps, long millis) {
        h.feed(d, millis, 100, b -> {
            for (int s = 0; s < 50; s++) {
                udp(b, v4("198.51.100.0", s), victim, 1024 + s, 80, pps / 10 / 50, pps / 10 / 50 * 100L);
            }
        });
    }

    @Test
    void aPacketFloodRaisesWithinTwoSecondsAndResolvesAfterItStops() {
        start(Map.of("packetsPerSecond", "100k", "bitsPerSecond", "0", "synPerSecond", "0"));
        // background well under the threshold
        udpFlood(20_000, 10_000);
        assertTrue(h.events.events().isEmpty());
        long begin = h.ticker.now();
        udpFlood(300_000, 10_000);
        List<Alert> raised = h.raised();
        assertEquals(1, raised.size());
        Alert a = raised.get(0);
        assertEquals("10.0.0.10 pps", a.key());
        assertEquals(100_000, a.threshold());
        assertTrue(a.value() >= 100_000);
        assertEquals(5, a.evidence().size());
        assertEquals(80L, a.evidence().get(0).get("port"));
        long tta = a.firstMillis() - begin;
        Harness.logTimeToAlert("flood, 3x the packet rate over the default 3 s window (simulated clock)", tta);
        udpFlood(20_000, 30_000);
        assertEquals(1, h.resolved().size());
        assertEquals(a.id(), h.resolved().get(0).id());
    }

    @Test
    void aSynFloodIsTheShareOfHandshakesThatNeverComplete() {
        start(Map.of("packetsPerSecond", "0", "bitsPerSecond", "0", "synPerSecond", "5k", "synRatio", 0.5));
        // a busy server: 20k TCP packets/s of conversations and 2k SYN/s of new clients; share 10 %
        h.feed(d, 5_000, 100, b -> {
            for (int c = 0; c < 200; c++) {
                tcp(b, v4("198.51.100.0", c), victim, 40000 + c, 443, SYN | ACK | PSH, 10, 8000);
            }
            for (int c = 0; c < 200; c++) {
                tcp(b, v4("192.0.2.0", c), victim, 41000 + c, 443, SYN, 1, 60);
            }
        });
        assertTrue(h.events.events().isEmpty(), "2k SYN/s at 10 % is no flood");
        long begin = h.ticker.now();
        h.feed(d, 5_000, 100, b -> {
            for (int c = 0; c < 2000; c++) {
                tcp(b, v4("100.64.0.0", c * 7), victim, 1000 + c, 443, SYN, 1, 60);
            }
        });
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertEquals("10.0.0.10 syn", a.key());
        assertTrue(a.message().contains("SYN without ACK"), a.message());
        Harness.logTimeToAlert("flood, SYN flood 4x the SYN rate over the default 3 s window (simulated clock)", a.firstMillis() - begin);
    }

    @Test
    void aBitRateThresholdLoweredLiveRaisesAtTheNextEvaluation() {
        Map<String, Object> cfg = new HashMap<>(Map.of("packetsPerSecond", "0", "bitsPerSecond", "1G", "synPerSecond", "0",
                "quietPeriod", "5s"));
        start(cfg);
        // 400 Mbit/s: 5 MB every 100 ms
        h.feed(d, 6_000, 100, b -> udp(b, v4("192.0.2.1"), victim, 5000, 5001, 3500, 5_000_000));
        assertTrue(h.events.events().isEmpty());
        cfg.put("bitsPerSecond", "300M");
        d.modified(Configs.of(FloodDetector.Config.class, cfg));
        long changed = h.ticker.now();
        h.feed(d, 2_000, 100, b -> udp(b, v4("192.0.2.1"), victim, 5000, 5001, 3500, 5_000_000));
        assertEquals(1, h.raised().size());
        assertEquals("10.0.0.10 bps", h.raised().get(0).key());
        assertEquals(Alert.Severity.WARNING, h.raised().get(0).severity());
        Harness.logTimeToAlert("flood, bit-rate threshold lowered live (simulated clock)", h.raised().get(0).firstMillis() - changed);
        cfg.put("bitsPerSecond", "2G");
        d.modified(Configs.of(FloodDetector.Config.class, cfg));
        h.feed(d, 7_000, 100, b -> udp(b, v4("192.0.2.1"), victim, 5000, 5001, 3500, 5_000_000));
        assertEquals(1, h.resolved().size(), "raised above the rate, the alert resolves after the quiet period");
    }

    @Test
    void aWindowChangeKeepsTheCounts() {
        Map<String, Object> cfg = new HashMap<>(Map.of("packetsPerSecond", "1k", "bitsPerSecond", "0", "synPerSecond", "0",
                "window", "5s"));
        start(cfg);
        FlowBatch b = new FlowBatch();
        udp(b, v4("192.0.2.1"), victim, 5000, 5001, 3000, 300_000);
        d.accept(b);
        h.ticker.advance(1_000);
        assertTrue(h.events.events().isEmpty(), "3000 packets over a 5 s window are under 1k/s");
        cfg.put("window", "3s");
        d.modified(Configs.of(FloodDetector.Config.class, cfg));
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "the same packets over a 3 s window are over 1k/s");
    }

    @Test
    void sampledRecordsCountWithTheirScaledPacketsOnce() {
        start(Map.of("packetsPerSecond", "100k", "bitsPerSecond", "0", "synPerSecond", "0"));
        // sFlow at 1:1000: 150 sampled packets a second, reported as 150,000 (decoders scale packets and bytes)
        h.feed(d, 5_000, 100, b -> udp(b, v4("198.51.100.1"), victim, 1024, 80, 15_000, 1_500_000).samplingRate(1000));
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertTrue(a.value() >= 100_000 && a.value() <= 200_000, "150k packets/s, not scaled again: " + a.value());
    }
}
