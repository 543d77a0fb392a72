package org.flowlens.api.query;

import java.time.Duration;
import java.util.List;

/**
 * Drill-down on one address over a window: what it sent and received, its peers, protocols, ports
 * and a time series. Totals come from the {@code src_addr} and {@code dst_addr} summaries, the
 * breakdowns from the session (5-tuple) summary, the series from the time buckets.
 *
 * @param sentError error bound of the sent totals and of each point of {@link #sent()}
 * @param receivedError error bound of the received totals and of each point of {@link #received()}
 * @param sessionError error bound of every value of the peers, protocols and ports
 * @param peers the other ends, heaviest first (by bytes both ways)
 * @param protocols protocols of its traffic both ways, heaviest first
 * @param ports destination ports of its traffic both ways, with protocol, heaviest first
 * @param sent what it sent per time bucket, oldest first
 * @param received what it received per time bucket, oldest first
 */
public record HostDetail(String address, Duration window, long fromMillis, long toMillis, long atMillis,
        long bytesSent, long bytesReceived, long packetsSent, long packetsReceived, long flowsSent,
        long flowsReceived, ErrorBound sentError, ErrorBound receivedError, ErrorBound sessionError, List<Peer> peers,
        List<ProtocolShare> protocols, List<PortUse> ports, List<Point> sent, List<Point> received) {

    /** A peer: {@code *Sent} from the address to the peer, {@code *Received} from the peer to it. */
    public record Peer(String address, long bytesSent, long bytesReceived, long packetsSent, long packetsReceived,
            long flows) {}

    /** A destination port and protocol seen in its traffic. */
    public record PortUse(int port, int protocol, String protocolName, long bytes, long packets, long flows) {}
}
