package org.flowlens.decoder.packet.meter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.decoder.packet.Packets;
import org.junit.jupiter.api.Test;

class NameSnifferTest {

    static final long S = 1_000_000_000L;
    final DomainTable table = new DomainTable(100, 0, 86_400);
    final NameSniffer sniffer = new NameSniffer(table);

    static Packets name(Packets p, String n) {
        for (String label : n.split("\\.")) {
            p.bytes(label.length()).raw(label.getBytes(StandardCharsets.US_ASCII));
        }
        return p.bytes(0);
    }

    static Packets header(int answers) {
        return Packets.create().u16(0x1234).u16(0x8180).u16(1).u16(answers).u16(0).u16(0);
    }

    static long lo(int a, int b, int c, int d) {
        return IpAddresses.v4Lo(Packets.v4(a, b, c, d));
    }

    int dns(byte[] m) {
        return sniffer.dns(ByteBuffer.wrap(m), 0, m.length, 10 * S);
    }

    @Test
    void aCnameChainNamesTheAddressesAfterTheQuestion() {
        // www.example.com CNAME edge.example.net (pointer to offset 12), edge.example.net CNAME e1.cdn.net, A, A, AAAA
        Packets p = name(header(5), "www.example.com").u16(1).u16(1);
        p.u16(0xC00C).u16(5).u16(1).u32(60);
        byte[] target = name(Packets.create(), "edge.example.net").array();
        p.u16(target.length).raw(target);
        int edgeOffset = 12 + 17 + 4 + 12; // question, then the first answer's fixed part
        byte[] target2 = name(Packets.create(), "e1.cdn.net").array();
        p.u16(0xC000 | edgeOffset).u16(5).u16(1).u32(60).u16(target2.length).raw(target2);
        int e1Offset = edgeOffset + target.length + 12;
        p.u16(0xC000 | e1Offset).u16(1).u16(1).u32(120).u16(4).bytes(93, 184, 216, 34);
        p.u16(0xC000 | e1Offset).u16(1).u16(1).u32(120).u16(4).bytes(93, 184, 216, 35);
        p.u16(0xC000 | e1Offset).u16(28).u16(1).u32(120).u16(16).raw(Packets.v6("2606:2800:220:1::1"));
        assertEquals(3, dns(p.array()));
        assertEquals("www.example.com", table.lookup(0, lo(93, 184, 216, 34), 10 * S));
        assertEquals("www.example.com", table.lookup(0, lo(93, 184, 216, 35), 10 * S));
        long[] v6 = IpAddresses.parse("2606:2800:220:1::1");
        assertEquals("www.example.com", table.lookup(v6[0], v6[1], 10 * S));
        // the TTL bounds the name's life
        assertEquals("www.example.com", table.lookup(0, lo(93, 184, 216, 34), 130 * S));
        assertNull(table.lookup(0, lo(93, 184, 216, 34), 131 * S));
    }

    @Test
    void anAnswerOutsideTheChainKeepsItsOwnName() {
        Packets p = name(header(1), "a.example.com").u16(1).u16(1);
        name(p, "other.example.org").u16(1).u16(1).u32(300).u16(4).bytes(1, 2, 3, 4);
        assertEquals(1, dns(p.array()));
        assertEquals("other.example.org", table.lookup(0, lo(1, 2, 3, 4), 10 * S));
    }

    @Test
    void queriesAndErrorsTeachNothing() {
        Packets query = name(Packets.create().u16(1).u16(0x0100).u16(1).u16(1).u16(0).u16(0), "x.com").u16(1).u16(1);
        name(query, "x.com").u16(1).u16(1).u32(5).u16(4).bytes(9, 9, 9, 9);
        assertEquals(0, dns(query.array()));
        Packets nx = name(Packets.create().u16(1).u16(0x8183).u16(1).u16(1).u16(0).u16(0), "x.com").u16(1).u16(1);
        name(nx, "x.com").u16(1).u16(1).u32(5).u16(4).bytes(9, 9, 9, 9);
        assertEquals(0, dns(nx.array()));
        assertEquals(0, table.size());
    }

    @Test
    void compressionLoopsAndForwardPointersAreRefused() {
        // the answer's name points at itself
        Packets self = name(header(1), "loop.example").u16(1).u16(1);
        int at = self.length();
        self.u16(0xC000 | at).u16(1).u16(1).u32(60).u16(4).bytes(1, 1, 1, 1);
        assertEquals(0, dns(self.array()));
        // two labels pointing at each other
        Packets pair = header(1).u16(0xC00E).u16(0xC00C).u16(1).u16(1);
        pair.u16(0xC00C).u16(1).u16(1).u32(60).u16(4).bytes(1, 1, 1, 2);
        assertEquals(0, dns(pair.array()));
        // a pointer forward, past the name
        Packets forward = name(header(1), "f.example").u16(1).u16(1);
        forward.u16(0xC000 | (forward.length() + 2)).u16(1).u16(1).u32(60).u16(4).bytes(1, 1, 1, 3);
        assertEquals(0, dns(forward.array()));
        assertEquals(0, table.size());
    }

    @Test
    void truncatedAndRandomMessagesAreHarmless() {
        Packets p = name(header(1), "www.example.com").u16(1).u16(1);
        p.u16(0xC00C).u16(1).u16(1).u32(60).u16(4).bytes(5, 6, 7, 8);
        byte[] whole = p.array();
        for (int len = 0; len < whole.length; len++) {
            assertEquals(0, sniffer.dns(ByteBuffer.wrap(whole), 0, len, S), "cut at " + len);
        }
        assertEquals(1, dns(whole));
        Random rnd = new Random(3);
        for (int i = 0; i < 50_000; i++) {
            byte[] b = whole.clone();
            for (int k = 0; k < 3; k++) {
                b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            dns(b);
            byte[] r = new byte[rnd.nextInt(300)];
            rnd.nextBytes(r);
            if (r.length > 3) {
                r[2] = (byte) 0x81;
                r[3] = (byte) 0x80;
            }
            dns(r);
        }
        assertTrue(table.size() <= 100, "the table stays within its bound");
    }

    static byte[] clientHello(String serverName) {
        byte[] host = serverName.getBytes(StandardCharsets.US_ASCII);
        Packets ext = Packets.create()
                .u16(0x000A).u16(4).u16(2).u16(0x001D) // supported groups first
                .u16(0).u16(host.length + 5).u16(host.length + 3).bytes(0).u16(host.length).raw(host);
        byte[] e = ext.array();
        Packets body = Packets.create().u16(0x0303).zeros(32).bytes(32).zeros(32).u16(4).u16(0x1301).u16(0x1302)
                .bytes(1, 0).u16(e.length).raw(e);
        byte[] bd = body.array();
        Packets hs = Packets.create().bytes(1, 0).u16(bd.length).raw(bd);
        byte[] h = hs.array();
        return Packets.create().bytes(0x16, 3, 1).u16(h.length).raw(h).array();
    }

    @Test
    void tlsServerNameTeachesTheServerAddress() {
        byte[] hello = clientHello("Mail.Example.COM");
        assertTrue(sniffer.serverName(ByteBuffer.wrap(hello), 0, hello.length, 0, lo(5, 5, 5, 5), S, 600));
        assertEquals("mail.example.com", table.lookup(0, lo(5, 5, 5, 5), 2 * S));
        // cut anywhere: no name and no exception
        for (int len = 0; len < hello.length - 1; len++) {
            assertFalse(sniffer.serverName(ByteBuffer.wrap(hello), 0, len, 0, lo(6, 6, 6, 6), S, 600), "cut at " + len);
        }
        byte[] literal = clientHello("10.1.2.3");
        assertFalse(sniffer.serverName(ByteBuffer.wrap(literal), 0, literal.length, 0, lo(7, 7, 7, 7), S, 600));
    }

    @Test
    void httpHostHeader() {
        byte[] req = "GET /index.html HTTP/1.1\r\nUser-Agent: x\r\nHOST: WWW.Example.org:8080\r\nAccept: */*\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertTrue(sniffer.serverName(ByteBuffer.wrap(req), 0, req.length, 0, lo(8, 8, 8, 8), S, 600));
        assertEquals("www.example.org", table.lookup(0, lo(8, 8, 8, 8), S));
        byte[] noHost = "POST /x HTTP/1.0\r\nContent-Length: 0\r\n\r\nHost: evil.example\r\n".getBytes(StandardCharsets.US_ASCII);
        assertFalse(sniffer.serverName(ByteBuffer.wrap(noHost), 0, noHost.length, 0, lo(9, 9, 9, 9), S, 600),
                "a Host after the end of the headers is body");
        byte[] notHttp = "SSH-2.0-OpenSSH_9.2\r\nHost: x.example\r\n".getBytes(StandardCharsets.US_ASCII);
        assertFalse(sniffer.serverName(ByteBuffer.wrap(notHttp), 0, notHttp.length, 0, lo(9, 9, 9, 9), S, 600));
    }

    @Test
    void theDomainTableIsBoundedAndForgetsTheLeastRecentlyUsed() {
        DomainTable t = new DomainTable(3, 60, 3600);
        t.put(0, 1, "a", 0, 0);
        t.put(0, 2, "b", 0, 10_000);
        t.put(0, 3, "c", 0, 100);
        assertEquals("a", t.lookup(0, 1, 60 * S), "the minimum TTL applies");
        assertNull(t.lookup(0, 1, 61 * S));
        assertEquals("b", t.lookup(0, 2, 3600 * S), "the maximum TTL applies");
        assertNull(t.lookup(0, 2, 3601 * S));
        t.lookup(0, 1, 0);
        t.put(0, 4, "d", 0, 100); // forgets 3, the least recently used
        assertNull(t.lookup(0, 3, 0));
        assertEquals("a", t.lookup(0, 1, 0));
        assertEquals(3, t.size());
        assertEquals(1, t.evicted());
        t.configure(1, 0, 10);
        assertEquals(1, t.size());
    }
}
