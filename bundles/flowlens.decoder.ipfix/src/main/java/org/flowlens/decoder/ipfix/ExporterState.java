package org.flowlens.decoder.ipfix;

import java.util.ArrayDeque;

/**
 * Everything kept for one exporter (address, or address and port): its domains with their
 * templates, and the data sets waiting for a template. Guarded by its own monitor: one datagram
 * of an exporter is decoded at a time, different exporters in parallel.
 */
final class ExporterState {
    static final int MAX_DOMAINS = 256;

    /** A data set that arrived before its template, with the header it came with. */
    record Pending(long domain, int setId, byte[] data, long receivedMillis, long exportMillis, int uptime) {}

    final long hi, lo;
    volatile long lastSeen;
    private DomainState[] domains = new DomainState[2];
    private int domainCount;
    int templateCount;
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    int pendingBytes;

    // the header of the message being decoded
    long exportMillis;
    int uptime;

    ExporterState(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    /** The domain's state, created on first use; null when the exporter already has too many domains. */
    DomainState domain(long id) {
        for (int i = 0; i < domainCount; i++) {
            if (domains[i].id == id) {
                return domains[i];
            }
        }
        if (domainCount == MAX_DOMAINS) {
            return null;
        }
        if (domainCount == domains.length) {
            domains = java.util.Arrays.copyOf(domains, domainCount * 2);
        }
        DomainState d = new DomainState(id);
        domains[domainCount++] = d;
        return d;
    }

    int domainCount() {
        return domainCount;
    }
}
