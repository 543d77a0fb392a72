package org.flowlens.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class FiltersAndParsingTest {
    private static FlowRecord record(String src, String dst, int sport, int dport, int proto) {
        long[] s = IpAddresses.parse(src);
        long[] d = IpAddresses.parse(dst);
        return new FlowRecord().src(s[0], s[1]).dst(d[0], d[1]).srcPort(sport).dstPort(dport).protocol(proto);
    }

    @Test
    void recordFilterBySideAndPortAndProtocol() throws Exception {
        FlowRecord r = record("10.0.0.1", "192.0.2.7", 40000, 443, 6);
        assertTrue(RecordFilter.of(JsonParser.parseString("{\"ip\":\"10.0.0.1\"}").getAsJsonObject()).matches(r));
        assertTrue(RecordFilter.of(JsonParser.parseString("{\"ip\":\"192.0.2.7\",\"side\":\"dst\"}").getAsJsonObject()).matches(r));
        assertFalse(RecordFilter.of(JsonParser.parseString("{\"ip\":\"192.0.2.7\",\"side\":\"src\"}").getAsJsonObject()).matches(r));
        assertTrue(RecordFilter.of(JsonParser.parseString("{\"port\":\"443\",\"protocol\":\"tcp\"}").getAsJsonObject()).matches(r));
        assertFalse(RecordFilter.of(JsonParser.parseString("{\"protocol\":\"UDP\"}").getAsJsonObject()).matches(r));
        assertTrue(RecordFilter.ALL.matches(r));
        Requests.BadRequest e = assertThrows(Requests.BadRequest.class, () -> RecordFilter.of(JsonParser.parseString("{\"ip\":\"<script>\"}").getAsJsonObject()));
        assertTrue(e.getMessage().startsWith("ip is not"), e.getMessage());
        assertThrows(Requests.BadRequest.class, () -> RecordFilter.of(JsonParser.parseString("{\"port\":\"70000\"}").getAsJsonObject()));
    }

    @Test
    void durationsAndTimes() throws Exception {
        assertEquals(Duration.ofMinutes(15), Requests.duration("15m", "window"));
        assertEquals(Duration.ofSeconds(90), Requests.duration("90", "window"));
        assertEquals(Duration.ofHours(1), Requests.duration("PT1H", "window"));
        assertThrows(Requests.BadRequest.class, () -> Requests.duration("soon", "window"));
        Map<String, String> p = new HashMap<>();
        p.put("param:since", "2025-09-22T06:58:00Z");
        p.put("param:until", "-15m");
        p.put("param:window", "2m");
        var req = Stubs.request("127.0.0.1", "127.0.0.1", p);
        assertEquals(1758524280000L, Requests.time(req, "since", 0, 0));
        assertEquals(1_000_000L - 900_000L, Requests.time(req, "until", 0, 1_000_000L));
        assertEquals(Duration.ofMinutes(5), Requests.window(req, List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofHours(1))),
                "a window between the configured ones gets the next larger");
    }

    @Test
    void rateLimiterKeepsClientsApart() {
        RateLimiter l = new RateLimiter(100);
        int allowed = 0;
        for (int i = 0; i < 20; i++) {
            allowed += l.tryAcquire("a", 0.001, 5) ? 1 : 0;
        }
        assertEquals(5, allowed, "the burst, then nothing at a negligible rate");
        assertTrue(l.tryAcquire("b", 0.001, 5));
    }

    @Test
    void rateLimiterStaysBounded() {
        RateLimiter l = new RateLimiter(50);
        for (int i = 0; i < 1000; i++) {
            l.tryAcquire("client" + i, 1, 1);
        }
        assertTrue(l.size() <= 50, "keys kept: " + l.size());
    }

    @Test
    void hostileTextIsKeptVerbatimInTheJsonOfARecord() throws Exception {
        String hostile = "<script>alert(1)</script>\"'" + "x".repeat(300);
        JsonObject in = new JsonObject();
        in.addProperty("router", "192.0.2.1");
        in.addProperty("src_ip", "10.0.0.1");
        in.addProperty("dst_ip", "10.0.0.2");
        in.addProperty("dst_domain", hostile);
        FlowRecord r = new FlowRecord();
        byte[] json = in.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        new org.flowlens.api.json.FlowJsonReader().read(json, 0, json.length, r, 1000);
        JsonObject out = FlowJson.write(r);
        assertEquals(hostile, out.get("dst_domain").getAsString(), "escaping is the page's job: the API returns the text as it came");
        JsonObject tooLong = in.deepCopy();
        tooLong.addProperty("dst_domain", "y".repeat(1025));
        byte[] longJson = tooLong.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.flowlens.api.json.FlowJsonReader.FieldException e = assertThrows(org.flowlens.api.json.FlowJsonReader.FieldException.class,
                () -> new org.flowlens.api.json.FlowJsonReader().read(longJson, 0, longJson.length, new FlowRecord(), 1000));
        assertEquals("dst_domain", e.field());
    }

    @Test
    void sessionsExpireAndStayBounded() {
        LoginSessions s = new LoginSessions(1000, 10_000, 3);
        LoginSessions.Session a = s.create("a", Role.VIEWER, 0);
        assertEquals(a, s.find(a.id, 500));
        assertEquals(null, s.find(a.id, 2000), "idle too long");
        for (int i = 0; i < 10; i++) {
            s.create("u" + i, Role.VIEWER, 3000 + i);
        }
        assertTrue(s.size() <= 3);
    }
}
