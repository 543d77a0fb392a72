package org.flowlens.enrich.geoip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.util.List;

import org.flowlens.api.enrich.InterfaceInfo;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class InterfaceEnricherTest {
    private static final long[] ROUTER = IpAddresses.parse("192.0.2.1");
    private static final long[] ROUTER6 = IpAddresses.parse("2001:db8::1");

    private static InterfaceEnricher.Config config(String... entries) {
        return new InterfaceEnricher.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return InterfaceEnricher.Config.class;
            }

            @Override
            public String[] interfaces() {
                return entries;
            }
        };
    }

    @Test
    void parsesEntriesAndSpeeds() {
        InterfaceTable t = InterfaceTable.parse(List.of("192.0.2.1,3,ge-0/0/3,10G; 192.0.2.1,4,ge-0/0/4,2.5G",
                "2001:db8::1, 1, Gi0/1, 100M\n*,1,uplink,1000000", "# a comment", ""));
        assertEquals(4, t.size());
        assertEquals(new InterfaceInfo("ge-0/0/3", 10_000_000_000L), t.find(ROUTER[0], ROUTER[1], 3));
        assertEquals(2_500_000_000L, t.find(ROUTER[0], ROUTER[1], 4).speedBitsPerSecond());
        assertEquals(new InterfaceInfo("Gi0/1", 100_000_000L), t.find(ROUTER6[0], ROUTER6[1], 1));
        assertEquals(new InterfaceInfo("uplink", 1_000_000L), t.find(ROUTER[0], ROUTER[1], 1), "the entry for every exporter");
        assertNull(t.find(ROUTER[0], ROUTER[1], 5));
        assertEquals(400_000_000_000L, InterfaceTable.speed("400Gbps", "x"));
        assertEquals(0, InterfaceTable.parse(List.of("192.0.2.1,7,eth7")).find(ROUTER[0], ROUTER[1], 7).speedBitsPerSecond());
    }

    @Test
    void refusesBadEntriesNamingThem() {
        for (String bad : new String[] {"192.0.2.1,3", "router,3,x", "192.0.2.1,three,x", "192.0.2.1,-1,x", "192.0.2.1,3,,1G",
            "192.0.2.1,3,x,fast", "192.0.2.1,3,x,-5M", "192.0.2.1,3,x;192.0.2.1,3,y", "192.0.2.1,3,x,1G,extra"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InterfaceTable.parse(List.of(bad)), bad);
            assertTrue(e.getMessage().contains("'"), e.getMessage());
        }
    }

    @Test
    void namesInterfacesKeepsExporterNamesAndAppliesChangesLive() {
        InterfaceEnricher enricher = new InterfaceEnricher(config("192.0.2.1,3,ge-0/0/3,10G", "192.0.2.1,4,ge-0/0/4,10G"));
        FlowBatch batch = new FlowBatch();
        FlowRecord a = batch.next().exporter(ROUTER[0], ROUTER[1]).inIf(3).outIf(4);
        FlowRecord b = batch.next().exporter(ROUTER[0], ROUTER[1]).inIf(3).outIf(9).inIfName("from-ipfix");
        FlowRecord c = batch.next().exporter(ROUTER6[0], ROUTER6[1]).inIf(3).outIf(0);
        enricher.enrich(batch);
        assertEquals("ge-0/0/3", a.inIfName());
        assertEquals("ge-0/0/4", a.outIfName());
        assertSame(a.inIfName(), "ge-0/0/3", "interned");
        assertEquals("from-ipfix", b.inIfName());
        assertNull(b.outIfName());
        assertNull(c.inIfName());
        assertEquals(10_000_000_000L, enricher.find(ROUTER[0], ROUTER[1], 3).speedBitsPerSecond());

        enricher.modified(config("*,3,core"));
        FlowBatch next = new FlowBatch();
        FlowRecord d = next.next().exporter(ROUTER6[0], ROUTER6[1]).inIf(3);
        enricher.enrich(next);
        assertEquals("core", d.inIfName());

        enricher.modified(config("*,3,core;broken"));
        assertEquals("core", enricher.find(ROUTER[0], ROUTER[1], 3).name(), "a bad configuration is refused, the last good one kept");
    }

    @Test
    void manyInterfacesLookUpByExporterAndIndex() {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < 50; r++) {
            for (int i = 1; i <= 100; i++) {
                sb.append("10.0.").append(r).append(".1,").append(i).append(",r").append(r).append("-if").append(i).append(";");
            }
        }
        InterfaceTable t = InterfaceTable.parse(List.of(sb.toString()));
        assertEquals(5000, t.size());
        for (int r = 0; r < 50; r++) {
            long[] e = IpAddresses.parse("10.0." + r + ".1");
            for (int i = 1; i <= 100; i++) {
                assertEquals("r" + r + "-if" + i, t.find(e[0], e[1], i).name());
            }
            assertNull(t.find(e[0], e[1], 101));
        }
    }
}
