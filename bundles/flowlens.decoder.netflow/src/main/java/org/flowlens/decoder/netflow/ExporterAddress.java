package org.flowlens.decoder.netflow;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.flowlens.api.flow.IpAddresses;

/** An exporter's address as the two longs a {@link org.flowlens.api.flow.FlowRecord} carries. */
final class ExporterAddress {
    static final ExporterAddress UNKNOWN = new ExporterAddress(0, 0);

    final long hi, lo;

    ExporterAddress(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    static ExporterAddress of(InetSocketAddress exporter) {
        if (exporter == null) {
            return UNKNOWN;
        }
        InetAddress a = exporter.getAddress();
        if (a == null) {
            return UNKNOWN;
        }
        long[] v = IpAddresses.of(a);
        return new ExporterAddress(v[0], v[1]);
    }
}
