package org.flowlens.enrich.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class DnsClientTest {
    private static long[] ip(String s) {
        return IpAddresses.parse(s);
    }

    @Test
    void buildsReverseNames() {
        long[] a = ip("192.0.2.1");
        assertEquals("1.2.0.192.in-addr.arpa", DnsClient.reverseName(a[0], a[1]));
        long[] b = ip("2001:db8::567:89ab");
        assertEquals("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DnsClient.reverseName(b[0], b[1]));
    }

    @Test
    void asksAServerOnLoopbackAndReadsItsAnswers() throws Exception {
        try (FakeDnsServer server = new FakeDnsServer(Map.of(
                "1.2.0.192.in-addr.arpa", "Host.Example.COM",
                "2.2.0.192.in-addr.arpa", FakeDnsServer.NXDOMAIN,
                "4.2.0.192.in-addr.arpa", "after.wrong.id",
                "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "v6.example.net"),
                "4.2.0.192.in-addr.arpa")) {
            DnsClient client = new DnsClient(List.of(server.address()), 300, 1);
            long[] a = ip("192.0.2.1");
            DnsClient.Answer named = client.lookup(a[0], a[1]);
            assertEquals(new DnsClient.Answer(DnsClient.Answer.Status.NAME, "host.example.com", 120), named);
            long[] b = ip("192.0.2.2");
            assertEquals(DnsClient.Answer.Status.NO_NAME, client.lookup(b[0], b[1]).status());
            long[] c = ip("192.0.2.3");
            assertEquals(DnsClient.Answer.Status.TIMEOUT, client.lookup(c[0], c[1]).status(), "no answer: given up at the timeout");
            long[] d = ip("192.0.2.4");
            assertEquals("after.wrong.id", client.lookup(d[0], d[1]).name(), "a reply with another id is ignored");
            long[] e = ip("2001:db8::1");
            assertEquals("v6.example.net", client.lookup(e[0], e[1]).name());
            int before = server.queries.get();
            new DnsClient(List.of(server.address()), 100, 3).lookup(c[0], c[1]);
            assertEquals(before + 3, server.queries.get(), "three tries");
        }
    }

    @Test
    void malformedRepliesAreNeverNames() {
        String q = "1.2.0.192.in-addr.arpa";
        ByteBuffer query = DnsClient.query(7, q);
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[rnd.nextInt(80)];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) rnd.nextInt(256);
            }
            // half of them start like a real reply to the query, then turn to noise
            if (i % 2 == 0 && b.length > query.limit()) {
                query.duplicate().get(b, 0, query.limit());
                b[2] = (byte) 0x81;
                b[7] = (byte) 1;
            }
            DnsClient.Answer a = DnsClient.parse(ByteBuffer.wrap(b), 7, q);
            if (a != null && a.status() == DnsClient.Answer.Status.NAME) {
                assertNotNull(a.name());
            }
        }
        // a compression pointer to itself
        ByteBuffer loop = ByteBuffer.allocate(query.limit() + 16);
        loop.put(query.duplicate()).putShort((short) (0xC000 | query.limit()));
        loop.putShort(2, (short) 0x8180).putShort(6, (short) 1);
        loop.flip();
        ByteBuffer looped = ByteBuffer.allocate(loop.limit() + 10).put(loop).putShort((short) 12).putShort((short) 1).putInt(1).putShort((short) 0);
        looped.flip();
        assertEquals(DnsClient.Answer.Status.ERROR, DnsClient.parse(looped, 7, q).status());
    }
}
