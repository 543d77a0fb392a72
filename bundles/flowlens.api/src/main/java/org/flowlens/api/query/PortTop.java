package org.flowlens.api.query;

import java.time.Duration;
import java.util.List;

/**
 * The busiest destination ports over a window, each with its protocol mix, ranked by bytes.
 */
public record PortTop(Duration window, long fromMillis, long toMillis, long atMillis, ErrorBound error,
        List<Port> ports) {

    /** One destination port; {@code protocols} heaviest first. */
    public record Port(int port, long bytes, long packets, long flows, double bitsPerSecond,
            List<ProtocolShare> protocols) {}
}
