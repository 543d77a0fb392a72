package org.flowlens.enrich.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.annotation.Annotation;
import java.util.Map;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class ReverseDnsEnricherTest {
    private static ReverseDnsEnricher.Config config(boolean enabled, String server, int timeout, int cacheSize) {
        return new ReverseDnsEnricher.Config() {
            @Override public Class<? extends Annotation> annotationType() { return ReverseDnsEnricher.Config.class; }
            @Override public boolean enabled() { return enabled; }
            @Override public String[] servers() { return new String[] {server}; }
            @Override public int timeoutMillis() { return timeout; }
            @Override public int tries() { return 1; }
            @Override public int cacheSize() { return cacheSize; }
            @Override public int queueSize() { return 100; }
            @Override public int resolvers() { return 1; }
            @Override public int minTtlSeconds() { return 60; }
            @Override public int maxTtlSeconds() { return 3600; }
            @Override public int negativeTtlSeconds() { return 600; }
        };
    }

    @Test
    void validatesConfiguration() {
        assertNull(ReverseDnsEnricher.problem(config(false, "", 1000, 1000)));
        assertNotNull(ReverseDnsEnricher.problem(config(false, "", 10, 1000)));
        assertNotNull(ReverseDnsEnricher.problem(config(false, "", 1000, -1)));
        assertNotNull(ReverseDnsEnricher.problem(config(false, "dns.example.com", 1000, 1000)));
        assertNotNull(ReverseDnsEnricher.problem(config(false, "127.0.0.1:99999", 1000, 1000)));
    }

    @Test
    void offByDefaultAndLiveWhenEnabled() throws Exception {
        try (FakeDnsServer server = new FakeDnsServer(Map.of("1.2.0.192.in-addr.arpa", "host.example.com"), null)) {
            String address = "127.0.0.1:" + server.address().getPort();
            ReverseDnsEnricher enricher = new ReverseDnsEnricher(null, config(false, address, 1000, 1000));
            FlowBatch batch = new FlowBatch();
            long[] a = IpAddresses.parse("192.0.2.1");
            batch.next().src(a[0], a[1]).dst(a[0], a[1]);
            enricher.enrich(batch);
            assertEquals(0, server.queries.get(), "disabled: no query");

            enricher.modified(config(true, address, 1000, 1000));
            java.util.concurrent.CountDownLatch resolved = new java.util.concurrent.CountDownLatch(1);
            enricher.engine().onResolved = x -> resolved.countDown();
            enricher.enrich(batch);
            resolved.await();
            FlowBatch next = new FlowBatch();
            FlowRecord r = next.next().src(a[0], a[1]).dst(a[0], a[1]);
            enricher.enrich(next);
            assertEquals("host.example.com", r.srcDomain());
            assertEquals("host.example.com", r.dstDomain());

            enricher.modified(config(true, address, 5, 1000)); // refused: the running engine stays
            assertNotNull(enricher.engine());
            enricher.modified(config(false, address, 1000, 1000));
            assertNull(enricher.engine());
            enricher.deactivate();
        }
    }
}
