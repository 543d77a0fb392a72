package org.flowlens.api.query;

import java.time.Duration;
import java.util.List;

/**
 * Sources ranked by how many distinct destinations or destination ports they reached over a
 * window: what scan and sweep detectors read. Distinct counts are HyperLogLog estimates.
 *
 * @param relativeError relative standard error of each distinct count
 * @param errorFlows error bound of the flow counts; a source absent from the summary sent at most this many flows
 */
public record DistinctTop(Duration window, By order, long fromMillis, long toMillis, long atMillis,
        double relativeError, long errorFlows, List<Source> sources) {

    public enum By { DESTINATIONS, PORTS, FLOWS }

    public record Source(String address, long flows, long distinctDestinations, long distinctPorts) {}
}
