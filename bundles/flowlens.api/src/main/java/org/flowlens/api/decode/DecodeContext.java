package org.flowlens.api.decode;

import java.net.InetSocketAddress;

import org.osgi.annotation.versioning.ProviderType;

/** What the pipeline tells a decoder about one datagram, and where the decoder reports trouble. */
@ProviderType
public interface DecodeContext {
    /** Where the datagram came from. */
    InetSocketAddress exporter();

    /** Receive time, epoch milliseconds. */
    long receivedMillis();

    /** The listener that received it. */
    String listener();

    /**
     * Counts records (or whole datagrams, with {@code count} 1) the decoder could not decode,
     * by reason: {@code truncated}, {@code bad_length}, {@code unknown_template}, ...
     */
    void drop(String reason, long count);

    /**
     * Counts what is missing according to the exporter's sequence numbers, in the unit the
     * protocol's sequence counts: flows for NetFlow v5/v7, export packets for NetFlow v9, data
     * records for IPFIX, datagrams for sFlow.
     */
    void sequenceGap(long missing);
}
