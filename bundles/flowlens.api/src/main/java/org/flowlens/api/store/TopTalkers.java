package org.flowlens.api.store;

import java.util.List;

import org.flowlens.api.query.Metric;

/**
 * The addresses with the most traffic over a range, sent plus received.
 *
 * @param fromMillis start of the range asked for, inclusive
 * @param toMillis end of the range, exclusive
 * @param order the metric the ranking sums
 * @param totalBytes bytes of every record in the range, listed or not
 * @param totalPackets packets of every record in the range
 * @param totalFlows records in the range
 * @param talkers heaviest first
 * @param atMillis when the answer was made
 */
public record TopTalkers(long fromMillis, long toMillis, Metric order, long totalBytes, long totalPackets,
        long totalFlows, List<Talker> talkers, long atMillis) {
    public TopTalkers {
        talkers = List.copyOf(talkers);
    }

    /**
     * One address: {@code *Sent} as the source of records, {@code *Received} as their destination.
     */
    public record Talker(String address, long bytesSent, long bytesReceived, long packetsSent, long packetsReceived,
            long flowsSent, long flowsReceived) {
        public long bytes() {
            return bytesSent + bytesReceived;
        }

        public long packets() {
            return packetsSent + packetsReceived;
        }

        public long flows() {
            return flowsSent + flowsReceived;
        }
    }
}
