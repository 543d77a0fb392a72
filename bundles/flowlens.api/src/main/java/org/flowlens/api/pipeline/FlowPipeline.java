package org.flowlens.api.pipeline;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.query.Totals;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The spine: takes decoded batches and raw datagrams from capture sources, enriches the records
 * and fans every batch out to all {@link FlowConsumer}s. It never blocks a source: when its queue
 * is full the batch is dropped and counted.
 */
@ProviderType
public interface FlowPipeline {
    /**
     * Queues a batch of decoded records for enrichment and fan-out. The caller must not touch the
     * batch afterwards.
     *
     * @return false when the batch was dropped (queue full or pipeline stopping); it is counted
     */
    boolean submit(FlowBatch batch, String source);

    /**
     * Decodes a flow-export datagram with the decoder that claims its version field and queues the
     * records. A datagram no decoder claims is counted as undecodable with the version seen.
     *
     * @param datagram the payload, from its position to its limit; not retained after the call
     * @param exporter the address the datagram came from
     * @param receivedMillis receive time, epoch milliseconds
     * @param listener name of the listener that received it, for per-listener counters
     * @return the number of records decoded
     */
    int decode(ByteBuffer datagram, InetSocketAddress exporter, long receivedMillis, String listener);

    /** Records, bytes and packets handed to consumers since the pipeline started. */
    Totals delivered();
}
