package org.flowlens.detect;

import java.util.HashMap;
import static org.flowlens.detect.Flows.udp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.junit.jupiter.api.Test;

class AmplificationDetectorTest {
    private final Harness h = new Harness();
    private final int victim = v4("10.0.0.20");

    private AmplificationDetector start(Map<String, Object> config) {
        AmplificationDetector d = h.wire(new AmplificationDetector());
        d.activate(Configs.of(AmplificationDetector.Config.class, config));
        return d;
    }

    @Test
    void eachProtocolHasItsOwnThreshold() {
        AmplificationDetector d = start(Map.of());
        long begin = h.ticker.now();
        h.feed(d, 5_000, 100, b -> {
            for (int r = 0; r < 40; r++) {
                // DNS: 40 reflectors x 30 packets of 3000 bytes per 100 ms = 288 Mbit/s
                udp(b, v4("192.0.2.0", r), victim, 53, 7777, 30, 90_000);
            }
            // memcached: 2 Mbit/s, over its 1 Mbit/s threshold
            udp(b, v4("198.51.100.1"), victim, 11211, 7777, 2, 25_000);
            // NTP: 2 Mbit/s, under its 10 Mbit/s threshold
            udp(b, v4("198.51.100.2"), victim, 123, 7777, 5, 25_000);
            // DNS answers to a resolver at 8 Mbit/s: ordinary
            udp(b, v4("198.51.100.3"), v4("10.0.0.53"), 53, 33333, 500, 100_000);
        });
        assertEquals(2, h.raised().size(), h.raised().toString());
        Alert dns = h.raised().stream().filter(a -> a.key().equals("10.0.0.20 dns")).findFirst().orElseThrow();
        Alert mc = h.raised().stream().filter(a -> a.key().equals("10.0.0.20 memcached")).findFirst().orElseThrow();
        assertEquals(100e6, dns.threshold());
        assertTrue(dns.value() >= 100e6 && dns.value() < 300e6, "dns " + dns.value());
        assertEquals(Alert.Severity.WARNING, dns.severity());
        assertEquals(5, dns.evidence().size(), "top reflectors");
        assertTrue(dns.message().contains("3000 bytes a packet"), dns.message());
        assertEquals(1e6, mc.threshold());
        Harness.logTimeToAlert("amplification, DNS at 2.9x its threshold (simulated clock)", dns.firstMillis() - begin);
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void furtherProtocolsAndAllowedResolvers() {
        AmplificationDetector d = start(Map.of("otherProtocols", new String[] {"chargen:19:1M, snmp:161:50M"},
                "allowCidrs", new String[] {"192.0.2.0/24"}));
        h.feed(d, 3_000, 100, b -> {
            udp(b, v4("198.51.100.7"), victim, 19, 4444, 10, 50_000); // 4 Mbit/s of chargen
            udp(b, v4("192.0.2.1"), victim, 53, 4444, 100, 3_000_000); // our own resolver: allowed
        });
        assertEquals(1, h.raised().size());
        assertEquals("10.0.0.20 chargen", h.raised().get(0).key());
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void anInvalidProtocolListIsRefused() {
        AmplificationDetector d = start(Map.of("otherProtocols", new String[] {"chargen:19:1M"}));
        d.modified(Configs.of(AmplificationDetector.Config.class, Map.of("otherProtocols", new String[] {"dns2:53:1M"})));
        d.modified(Configs.of(AmplificationDetector.Config.class, Map.of("otherProtocols", new String[] {"nonsense"})));
        h.feed(d, 3_000, 100, b -> udp(b, v4("198.51.100.7"), victim, 19, 4444, 10, 50_000));
        assertEquals(1, h.raised().size(), "the last good list, with chargen, stays");
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void aThresholdLoweredLiveAppliesToWhatTheWindowHolds() {
        Map<String, Object> cfg = new HashMap<>(Map.of("ntp", "10M"));
        AmplificationDetector d = start(cfg);
        // 4 Mbit/s of NTP answers, under 10 Mbit/s
        h.feed(d, 3_000, 100, b -> udp(b, v4("198.51.100.2"), victim, 123, 7777, 5, 50_000));
        assertTrue(h.events.events().isEmpty());
        cfg.put("ntp", "1M");
        d.modified(Configs.of(AmplificationDetector.Config.class, cfg));
        h.ticker.advance(1_000); // no answers since the change: only the window's contents can cross
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertEquals("10.0.0.20 ntp", a.key());
        assertEquals(1e6, a.threshold());
        d.deactivate(Harness.DISABLED);
    }

    @Test
    void sampledRecordsCountWithTheirScaledBytesOnce() {
        AmplificationDetector d = start(Map.of());
        // DNS answers from a router sampling 1:1000: decoders report 200 Mbit/s already scaled
        h.feed(d, 3_000, 100, b -> udp(b, v4("192.0.2.9"), victim, 53, 7777, 1_000, 2_500_000).samplingRate(1000));
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertTrue(a.value() >= 100e6 && a.value() <= 250e6, "200 Mbit/s, not scaled a second time: " + a.value());
        d.deactivate(Harness.DISABLED);
    }
}
