package org.flowlens.enrich.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReverseDnsTest {
    private static final ReverseDns.Limits LIMITS = new ReverseDns.Limits(1000, 100, 2, 60, 3600, 600, 30);

    private static FlowRecord record(FlowBatch b, String src, String dst) {
        long[] s = IpAddresses.parse(src), d = IpAddresses.parse(dst);
        return b.next().src(s[0], s[1]).dst(d[0], d[1]);
    }

    @Test
    void namesAddressesOnceResolvedWithoutEverWaiting() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ReverseDns dns = new ReverseDns((hi, lo) -> {
            calls.incrementAndGet();
            return (int) lo == 0xC000_0201 ? new DnsClient.Answer(DnsClient.Answer.Status.NAME, "host.example.com", 100)
                    : new DnsClient.Answer(DnsClient.Answer.Status.NO_NAME, null, 0);
        }, LIMITS, null);
        CountDownLatch resolved = new CountDownLatch(2);
        dns.onResolved = a -> resolved.countDown();
        try {
            FlowBatch first = new FlowBatch();
            FlowRecord r = record(first, "192.0.2.1", "198.51.100.9");
            dns.enrich(first);
            assertNull(r.srcDomain(), "not known yet: the record goes on without a name");
            resolved.await();
            FlowBatch second = new FlowBatch();
            FlowRecord s = record(second, "192.0.2.1", "198.51.100.9");
            FlowRecord t = record(second, "198.51.100.9", "192.0.2.1");
            dns.enrich(second);
            assertEquals("host.example.com", s.srcDomain());
            assertSame(s.srcDomain(), t.dstDomain());
            assertNull(s.dstDomain(), "no PTR record: no name, and not asked again within the negative TTL");
            assertEquals(2, calls.get());
            assertEquals(2, dns.misses());
            assertEquals(4, dns.hits());
        } finally {
            dns.close();
        }
    }

    @Test
    void aFullQueueDropsAndCountsButNeverBlocks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        ReverseDns dns = new ReverseDns((hi, lo) -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new DnsClient.Answer(DnsClient.Answer.Status.TIMEOUT, null, 0);
        }, new ReverseDns.Limits(1000, 1, 1, 60, 3600, 600, 30), null);
        try {
            FlowBatch b = new FlowBatch();
            record(b, "192.0.2.1", "192.0.2.2");
            dns.enrich(b); // the resolver takes the first, the second waits in the queue of one
            started.await();
            FlowBatch more = new FlowBatch();
            for (int i = 10; i < 20; i++) {
                record(more, "192.0.2." + i, "192.0.2." + (i + 100));
            }
            dns.enrich(more);
            assertTrue(dns.dropped() >= 19, "dropped " + dns.dropped());
        } finally {
            release.countDown();
            dns.close();
        }
    }

    @Test
    void skipsAddressesThatHaveNoReverseName() {
        for (String s : new String[] {"127.0.0.1", "0.0.0.0", "224.0.0.251", "169.254.1.1", "255.255.255.255", "::1", "::", "fe80::1",
            "ff02::1"}) {
            long[] a = IpAddresses.parse(s);
            assertFalse(ReverseDns.resolvable(a[0], a[1]), s);
        }
        for (String s : new String[] {"10.0.0.1", "8.8.8.8", "2001:db8::1", "fd00::1"}) {
            long[] a = IpAddresses.parse(s);
            assertTrue(ReverseDns.resolvable(a[0], a[1]), s);
        }
    }

    @Test
    void readsServersFromConfigurationAndResolvConf(@TempDir Path dir) throws Exception {
        assertEquals(List.of(new java.net.InetSocketAddress("127.0.0.1", 53), new java.net.InetSocketAddress("::1", 5353),
                new java.net.InetSocketAddress("192.0.2.53", 5300)),
                ReverseDnsEnricher.parseServers(new String[] {"127.0.0.1, [::1]:5353", "192.0.2.53:5300"}));
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, "# comment\nsearch example.com\nnameserver 192.0.2.1\nnameserver fe80::1%eth0\nnameserver bogus\n");
        assertEquals(2, ReverseDnsEnricher.resolvConf(conf).size());
    }
}
