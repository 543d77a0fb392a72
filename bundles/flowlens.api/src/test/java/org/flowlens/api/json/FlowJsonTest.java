package org.flowlens.api.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class FlowJsonTest {
    private final FlowJsonReader reader = new FlowJsonReader();

    static FlowRecord sample() {
        long[] v6 = IpAddresses.parse("2001:db8::1:2");
        return new FlowRecord().format("netflow_v9").receivedMillis(1_700_000_000_123L).startMillis(1_700_000_000_000L)
                .endMillis(1_700_000_000_100L).exporter(0, IpAddresses.v4Lo(0x0A000001)).srcV4(0xC0A80101).dst(v6[0], v6[1])
                .srcPort(51515).dstPort(443).protocol(6).bytes(123_456_789_012L).packets(99).inIf(-2).outIf(7)
                .tcpFlags(0x1B).tos(0xB8).srcAs(4_200_000_000L).dstAs(15169).vlan(4095).direction(FlowRecord.DIRECTION_EGRESS)
                .samplingRate(1000).srcMask(24).dstMask(64).nextHop(0, IpAddresses.v4Lo(0x0A0000FE))
                .srcDomain("caf\u00e9.example \"quoted\" \\ \n\u0001").dstDomain("\uD83D\uDE00.example").observationDomain(0xFFFFFFFFL)
                .srcCountry("DE").dstCountry("US").srcCity("K\u00f6ln").dstCity("Mountain View").srcAsName("Example AS")
                .dstAsName("GOOGLE").inIfName("xe-0/0/0").outIfName("ae1.100");
    }

    static void assertSameFlow(FlowRecord a, FlowRecord b, boolean enrichment) {
        assertEquals(a.startMillis(), b.startMillis());
        assertEquals(a.endMillis(), b.endMillis());
        assertEquals(a.exporterHi(), b.exporterHi());
        assertEquals(a.exporterLo(), b.exporterLo());
        assertEquals(a.srcHi(), b.srcHi());
        assertEquals(a.srcLo(), b.srcLo());
        assertEquals(a.dstHi(), b.dstHi());
        assertEquals(a.dstLo(), b.dstLo());
        assertEquals(a.srcPort(), b.srcPort());
        assertEquals(a.dstPort(), b.dstPort());
        assertEquals(a.protocol(), b.protocol());
        assertEquals(a.bytes(), b.bytes());
        assertEquals(a.packets(), b.packets());
        assertEquals(a.inIf(), b.inIf());
        assertEquals(a.outIf(), b.outIf());
        assertEquals(a.tcpFlags(), b.tcpFlags());
        assertEquals(a.tos(), b.tos());
        assertEquals(a.srcAs(), b.srcAs());
        assertEquals(a.dstAs(), b.dstAs());
        assertEquals(a.vlan(), b.vlan());
        assertEquals(a.direction(), b.direction());
        assertEquals(a.samplingRate(), b.samplingRate());
        assertEquals(a.srcMask(), b.srcMask());
        assertEquals(a.dstMask(), b.dstMask());
        assertEquals(a.nextHopHi(), b.nextHopHi());
        assertEquals(a.nextHopLo(), b.nextHopLo());
        assertEquals(a.srcDomain(), b.srcDomain());
        assertEquals(a.dstDomain(), b.dstDomain());
        assertEquals(a.observationDomain(), b.observationDomain());
        if (enrichment) {
            assertEquals(a.format(), b.format());
            assertEquals(a.srcCountry(), b.srcCountry());
            assertEquals(a.dstCountry(), b.dstCountry());
            assertEquals(a.srcCity(), b.srcCity());
            assertEquals(a.dstCity(), b.dstCity());
            assertEquals(a.srcAsName(), b.srcAsName());
            assertEquals(a.dstAsName(), b.dstAsName());
            assertEquals(a.inIfName(), b.inIfName());
            assertEquals(a.outIfName(), b.outIfName());
        }
    }

    private FlowRecord read(String json) throws FlowJsonReader.FieldException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        FlowRecord r = new FlowRecord();
        reader.read(b, 0, b.length, r, 5_000_000_000_000L);
        return r;
    }

    @Test
    void roundTripsEveryIngestField() throws Exception {
        FlowRecord in = sample();
        FlowJsonWriter w = new FlowJsonWriter();
        w.write(in);
        byte[] bytes = w.toByteArray();
        FlowRecord out = new FlowRecord();
        assertEquals(0, reader.read(bytes, 0, bytes.length, out, 42));
        assertSameFlow(in, out, false);
        assertEquals("json", out.format());
        assertEquals(42, out.receivedMillis());
        assertNull(out.srcCountry());
        String text = w.toString();
        assertTrue(text.startsWith("{\"timestamp\":1700000000123,\"start\":1700000000000,"), text);
        assertTrue(text.contains("\"src_ip\":\"192.168.1.1\""), text);
        assertTrue(text.contains("\"dst_ip\":\"2001:db8::1:2\""), text);
        assertTrue(text.contains("\"protocol\":\"TCP\""), text);
        assertTrue(text.contains("\"in_if\":4294967294"), text);
        assertTrue(text.contains("\"direction\":\"out\""), text);
        assertFalse(text.contains("format"), text);
    }

    @Test
    void enrichmentFieldsRoundTripWhenOn() throws Exception {
        FlowRecord in = sample();
        FlowJsonWriter w = new FlowJsonWriter(16, true);
        byte[] bytes = w.write(in).toByteArray();
        FlowRecord out = new FlowRecord();
        assertEquals(0, reader.read(bytes, 0, bytes.length, out, 42));
        assertSameFlow(in, out, true);
    }

    @Test
    void arraysSeparateRecordsAndTheWriterIsReusable() throws Exception {
        FlowJsonWriter w = new FlowJsonWriter(64, false);
        w.beginArray();
        for (int i = 0; i < 3; i++) {
            w.write(new FlowRecord().srcV4(i).dstV4(i + 1).exporter(0, IpAddresses.v4Lo(1)).protocol(200).direction(-1));
        }
        w.endArray();
        String text = w.toString();
        assertTrue(text.startsWith("[{") && text.endsWith("}]"), text);
        assertEquals(3, text.split("\\},\\{").length, text);
        assertTrue(text.contains("\"protocol\":200"), text);
        assertFalse(text.contains("direction"), text);
        assertFalse(text.contains("next_hop"), text);
        w.reset().write(sample());
        assertTrue(w.toString().startsWith("{\"timestamp\""));
    }

    @Test
    void acceptsTheIngestSpellings() throws Exception {
        FlowRecord r = read("{\"router\":\"10.0.0.1\",\"src_ip\":\" ::ffff:1.2.3.4 \",\"dst_ip\":\"[2001:db8::5]\",\"protocol\":\"udp\","
                + "\"timestamp\":1700000000,\"start\":\"2023-11-14T22:13:19Z\",\"src_port\":\"53\",\"bytes\":1.5e3,\"packets\":2.0,"
                + "\"direction\":\"Ingress\",\"extra\":{\"nested\":[1,{\"a\":\"]}\"}]},\"more\":[true,false,null],\"vlan\":null,"
                + "\"src_domain\":\"\\u0061b\\\"c\\/\",\"observation_domain\":12}");
        assertEquals(17, r.protocol());
        assertEquals(1_700_000_000_000L, r.endMillis());
        assertEquals(1_699_999_999_000L, r.startMillis());
        assertEquals(53, r.srcPort());
        assertEquals(1500, r.bytes());
        assertEquals(2, r.packets());
        assertEquals(FlowRecord.DIRECTION_INGRESS, r.direction());
        assertEquals(0, r.vlan());
        assertEquals("ab\"c/", r.srcDomain());
        assertEquals("1.2.3.4", IpAddresses.format(r.srcHi(), r.srcLo()));
        assertEquals("2001:db8::5", IpAddresses.format(r.dstHi(), r.dstLo()));
        assertEquals(12, r.observationDomain());
        assertEquals(5_000_000_000_000L, r.receivedMillis());
        byte[] b = "{\"router\":\"1.1.1.1\",\"src_ip\":\"1.1.1.2\",\"dst_ip\":\"1.1.1.3\",\"x\":1,\"y\":\"z\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(2, reader.read(b, 0, b.length, new FlowRecord(), 0));
        FlowRecord defaults = read("{\"router\":\"1.1.1.1\",\"src_ip\":\"1.1.1.2\",\"dst_ip\":\"1.1.1.3\"}");
        assertEquals(5_000_000_000_000L, defaults.endMillis());
        assertEquals(5_000_000_000_000L, defaults.startMillis());
        assertEquals(1, defaults.samplingRate());
        assertEquals(FlowRecord.DIRECTION_UNKNOWN, defaults.direction());
    }

    @Test
    void readsFromAnOffsetWithinALargerBuffer() throws Exception {
        FlowJsonWriter w = new FlowJsonWriter();
        w.write(sample());
        byte[] framed = new byte[w.size() + 10];
        framed[0] = '[';
        System.arraycopy(w.buffer(), 0, framed, 3, w.size());
        framed[framed.length - 1] = ']';
        FlowRecord out = new FlowRecord();
        reader.read(framed, 3, w.size(), out, 1);
        assertSameFlow(sample(), out, false);
    }

    @Test
    void readsArraysTakingValidItemsAndNamingInvalidOnes() throws Exception {
        FlowJsonWriter w = new FlowJsonWriter();
        w.beginArray().write(sample()).endArray();
        String good = w.toString();
        String json = "[" + good.substring(1, good.length() - 1) + ",{\"router\":\"1.1.1.1\"},"
                + "{\"router\":\"1.1.1.1\",\"src_ip\":\"1.1.1.2\",\"dst_ip\":\"1.1.1.3\",\"x\":[1]}, 7 ]";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        org.flowlens.api.flow.FlowBatch batch = new org.flowlens.api.flow.FlowBatch();
        java.util.List<String> problems = new java.util.ArrayList<>();
        int unknown = reader.readAll(b, 0, b.length, batch, 9, (i, e) -> problems.add(i + ":" + e.field()));
        assertEquals(2, batch.size());
        assertSameFlow(sample(), batch.get(0), false);
        assertEquals(1, unknown);
        assertEquals(java.util.List.of("1:src_ip", "3:"), problems);
        byte[] single = good.substring(1, good.length() - 1).getBytes(StandardCharsets.UTF_8);
        batch.clear();
        reader.readAll(single, 0, single.length, batch, 9, (i, e) -> problems.add("unexpected"));
        assertEquals(1, batch.size());
        for (String bad : new String[] {"[", "[{}", "[1,]", "[] x", "7", ""}) {
            byte[] x = bad.getBytes(StandardCharsets.UTF_8);
            batch.clear();
            assertThrows(FlowJsonReader.FieldException.class, () -> reader.readAll(x, 0, x.length, batch, 0, (i, e) -> {}), bad);
            assertEquals(0, batch.size(), bad);
        }
        byte[] empty = "[ ]".getBytes(StandardCharsets.UTF_8);
        assertEquals(0, reader.readAll(empty, 0, empty.length, batch, 0, (i, e) -> {}));
    }

    private void refused(String json, String field) {
        FlowJsonReader.FieldException e = assertThrows(FlowJsonReader.FieldException.class, () -> read(json), json);
        assertEquals(field, e.field(), e.getMessage());
    }

    @Test
    void namesTheFieldThatMadeARecordInvalid() {
        String base = "\"router\":\"10.0.0.1\",\"src_ip\":\"10.0.0.2\",\"dst_ip\":\"10.0.0.3\"";
        refused("{\"src_ip\":\"10.0.0.2\",\"dst_ip\":\"10.0.0.3\"}", "router");
        refused("{" + base.replace("10.0.0.2", "10.0.0.256") + "}", "src_ip");
        refused("{" + base.replace("\"10.0.0.3\"", "42") + "}", "dst_ip");
        refused("{" + base + ",\"dst_port\":65536}", "dst_port");
        refused("{" + base + ",\"src_port\":-1}", "src_port");
        refused("{" + base + ",\"bytes\":1.5}", "bytes");
        refused("{" + base + ",\"bytes\":99999999999999999999}", "bytes");
        refused("{" + base + ",\"packets\":\"many\"}", "packets");
        refused("{" + base + ",\"protocol\":\"XYZ\"}", "protocol");
        refused("{" + base + ",\"protocol\":256}", "protocol");
        refused("{" + base + ",\"direction\":\"sideways\"}", "direction");
        refused("{" + base + ",\"start\":2000,\"end\":1000}", "start");
        refused("{" + base + ",\"end\":\"yesterday\"}", "end");
        refused("{" + base + ",\"vlan\":4096}", "vlan");
        refused("{" + base + ",\"sampling_rate\":0}", "sampling_rate");
        refused("{" + base + ",\"tos\":true}", "tos");
        refused("{" + base + ",\"src_domain\":\"" + "a".repeat(1025) + "\"}", "src_domain");
        refused("{" + base + ",\"format\":\"Bad Format\"}", "format");
        refused("{" + base + ",\"next_hop\":\"nowhere\"}", "next_hop");
    }

    @Test
    void refusesMalformedJson() {
        for (String bad : new String[] {"", " ", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":01x}", "{\"a\":tru}",
                "{\"a\":\"\\x\"}", "{\"a\":\"\u0001\"}", "{\"a\":[}", "{\"a\":{]}", "{\"a\":1} x", "{\"a\":\"abc", "{'a':1}",
                "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "{\"a\":\"\\u12\"}", "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}"}) {
            refused(bad, "");
        }
    }

    @Test
    void hostileBytesOnlyEverGiveFieldExceptions() throws Exception {
        Random random = new Random(7);
        FlowJsonWriter w = new FlowJsonWriter(64, true);
        byte[] good = w.write(sample()).toByteArray();
        int accepted = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] b = good.clone();
            int edits = 1 + random.nextInt(4);
            for (int i = 0; i < edits; i++) {
                b[random.nextInt(b.length)] = (byte) random.nextInt(256);
            }
            int len = random.nextInt(10) == 0 ? random.nextInt(b.length) : b.length;
            try {
                reader.read(b, 0, len, new FlowRecord(), 0);
                accepted++;
            } catch (FlowJsonReader.FieldException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
            }
        }
        assertTrue(accepted > 0 && accepted < 20_000, "some mutations stay valid, others do not: " + accepted);
    }
}
