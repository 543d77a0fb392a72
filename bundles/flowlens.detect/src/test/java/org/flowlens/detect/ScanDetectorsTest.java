package org.flowlens.detect;

import java.util.HashMap;
import static org.flowlens.detect.Flows.ACK;
import static org.flowlens.detect.Flows.PSH;
import static org.flowlens.detect.Flows.SYN;
import static org.flowlens.detect.Flows.ping;
import static org.flowlens.detect.Flows.syn;
import static org.flowlens.detect.Flows.tcp;
import static org.flowlens.detect.Flows.udp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.junit.jupiter.api.Test;

/** Host sweeps and distributed scans. */
class ScanDetectorsTest {
    private final Harness h = new Harness();
    private final int scanner = v4("203.0.113.7");

    private HostSweepDetector sweep(Map<String, Object> config) {
        HostSweepDetector d = h.wire(new HostSweepDetector());
        d.activate(Configs.of(HostSweepDetector.Config.class, config));
        return d;
    }

    private DistributedScanDetector distributed(Map<String, Object> config) {
        DistributedScanDetector d = h.wire(new DistributedScanDetector());
        d.activate(Configs.of(DistributedScanDetector.Config.class, config));
        return d;
    }

    @Test
    void aPingSweepAndASynSweepRaiseHostSweeps() {
        HostSweepDetector d = sweep(Map.of());
        long crossed = -1;
        int hosts = 0;
        for (int step = 0; step < 20; step++) {
            FlowBatch b = new FlowBatch();
            for (int i = 0; i < 5; i++) {
                ping(b, scanner, v4("10.1.0.0", hosts++));
            }
            d.accept(b);
            if (crossed < 0 && hosts >= 50) {
                crossed = h.ticker.now();
            }
            h.ticker.advance(100);
        }
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertEquals("hostsweep", a.detector());
        assertEquals("203.0.113.7", a.key());
        assertEquals("icmp", a.evidence().get(0).get("service"));
        assertTrue(a.message().contains("distinct hosts"), a.message());
        Harness.logTimeToAlert("hostsweep, ping sweep 50 hosts/s, threshold 50 (simulated clock)", a.firstMillis() - crossed);

        int other = v4("198.51.100.9");
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 60; i++) {
            syn(b, other, v4("10.2.0.0", i), 51000, 445);
        }
        d.accept(b);
        h.ticker.advance(1_000);
        assertEquals(2, h.raised().size());
        assertEquals("tcp/445", h.raised().get(1).evidence().get(0).get("service"));
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void resolversClientsAndServersAreNoSweep() {
        HostSweepDetector d = sweep(Map.of());
        int resolver = v4("10.0.0.53");
        int server = v4("10.0.0.80");
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 300; i++) {
            udp(b, resolver, v4("192.0.2.0", i), 33000 + i, 53, 1, 70); // recursive queries: port 53 is allowed by default
            tcp(b, server, v4("198.51.100.0", i), 443, 50000 + i, SYN | ACK | PSH, 20, 20000); // answers to clients
            udp(b, server, v4("198.51.100.0", i), 123, 40000 + i, 1, 76); // an NTP server answering
            tcp(b, v4("10.0.0.9"), v4("203.0.113.0", i), 50000 + i, 443, SYN | ACK | PSH, 30, 9000); // a browser
        }
        d.accept(b);
        h.ticker.advance(5_000);
        assertTrue(h.events.events().isEmpty(), h.events.alerts().toString());
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void manySourcesOnOnePortRangeRaiseADistributedScan() {
        DistributedScanDetector d = distributed(Map.of("threshold", 100, "minSources", 10));
        int target = v4("10.0.0.5");
        FlowBatch b = new FlowBatch();
        int port = 1;
        for (int s = 0; s < 20; s++) {
            for (int i = 0; i < 8; i++) {
                syn(b, v4("198.51.100.0", s), target, 40000, port++);
            }
        }
        d.accept(b);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertEquals("distributedscan", a.detector());
        assertEquals("10.0.0.5", a.key());
        assertEquals(160, a.value());
        assertEquals(5, a.evidence().size(), "top sources");
        assertTrue(a.message().contains("20 sources"), a.message());
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void oneSourceOrFewPortsAreNoDistributedScan() {
        DistributedScanDetector d = distributed(Map.of("threshold", 100, "minSources", 10));
        FlowBatch b = new FlowBatch();
        for (int p = 1; p <= 500; p++) {
            syn(b, scanner, v4("10.0.0.5"), 40000, p); // a vertical scan: one source
        }
        for (int s = 0; s < 200; s++) {
            syn(b, v4("198.51.100.0", s), v4("10.0.0.6"), 40000, 22 + s % 3); // many sources, three ports
        }
        d.accept(b);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty());
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void sampledProbesScaleHostSweepsAndDistributedScans() {
        HostSweepDetector s = sweep(Map.of()); // 50 hosts
        int sampled = v4("203.0.113.8");
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 6; i++) {
            // from a router sampling 1:10: six sampled pings stand for about sixty hosts
            ping(b, sampled, v4("10.3.0.0", i)).samplingRate(10).packets(10);
            ping(b, scanner, v4("10.4.0.0", i)); // unsampled: six hosts are six hosts
        }
        s.accept(b);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), h.raised().toString());
        assertEquals("203.0.113.8", h.raised().get(0).key());
        assertEquals(60, h.raised().get(0).value());
        s.deactivate(Harness.DISABLED);

        DistributedScanDetector d = distributed(Map.of("threshold", 100, "minSources", 10));
        b = new FlowBatch();
        for (int src = 0; src < 3; src++) {
            for (int i = 0; i < 4; i++) {
                syn(b, v4("198.51.100.0", src), v4("10.0.0.7"), 40000, 1 + src * 4 + i).samplingRate(10).packets(10);
                syn(b, v4("198.51.100.0", src), v4("10.0.0.8"), 40000, 1 + src * 4 + i); // 12 ports, 3 sources
            }
        }
        d.accept(b);
        h.ticker.advance(1_000);
        assertEquals(2, h.raised().size(), h.raised().toString());
        Alert a = h.raised().get(1);
        assertEquals("10.0.0.7", a.key());
        assertEquals(120, a.value(), "12 sampled ports at 1:10 stand for about 120");
        assertTrue(a.message().contains("30 sources"), a.message());
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void thresholdsChangeLiveWithoutLosingTheWindow() {
        Map<String, Object> cfg = new HashMap<>(Map.of("threshold", 100));
        HostSweepDetector s = sweep(cfg);
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 60; i++) {
            ping(b, scanner, v4("10.5.0.0", i));
        }
        s.accept(b);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty(), "60 hosts stay under 100");
        cfg.put("threshold", 50);
        cfg.put("window", "2m"); // a longer window keeps what the shorter one held
        s.modified(Configs.of(HostSweepDetector.Config.class, cfg));
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "the hosts already in the window now cross 50");
        assertEquals(60, h.raised().get(0).value());
        s.deactivate(Harness.DISABLED);

        Map<String, Object> dc = new HashMap<>(Map.of("threshold", 200, "minSources", 10));
        DistributedScanDetector d = distributed(dc);
        b = new FlowBatch();
        int port = 1;
        for (int src = 0; src < 20; src++) {
            for (int i = 0; i < 8; i++) {
                syn(b, v4("198.51.100.0", src), v4("10.0.0.9"), 40000, port++);
            }
        }
        d.accept(b);
        h.ticker.advance(3_000);
        assertEquals(1, h.events.alerts(Alert.State.RAISED).size(), "160 ports stay under 200");
        dc.put("threshold", 100);
        d.modified(Configs.of(DistributedScanDetector.Config.class, dc));
        h.ticker.advance(1_000);
        assertEquals(2, h.raised().size(), "the ports already in the window now cross 100");
        assertEquals(160, h.raised().get(1).value());
        d.deactivate(Harness.DISABLED);
    }
}
