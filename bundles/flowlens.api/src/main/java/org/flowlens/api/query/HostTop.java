package org.flowlens.api.query;

import java.time.Duration;
import java.util.List;

/**
 * The busiest addresses over a window, as sender and as receiver, ranked by the sum of both.
 *
 * @param sentError error bound of the {@code *Sent} values (from the {@code src_addr} summary)
 * @param receivedError error bound of the {@code *Received} values (from the {@code dst_addr} summary)
 */
public record HostTop(Duration window, Metric order, long fromMillis, long toMillis, long atMillis,
        ErrorBound sentError, ErrorBound receivedError, List<Host> hosts) {

    /**
     * One address. {@code flowsSent} counts the connections it opened or sent as source,
     * {@code flowsReceived} those it was the destination of.
     */
    public record Host(String address, long bytesSent, long bytesReceived, long packetsSent, long packetsReceived,
            long flowsSent, long flowsReceived, double bitsPerSecondSent, double bitsPerSecondReceived) {}
}
