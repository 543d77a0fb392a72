package org.flowlens.api.query;

import java.time.Duration;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What the web console, the REST API, the Prometheus exporter and detectors ask of the in-memory
 * aggregates. Answers are consistent snapshots that carry their window and time.
 *
 * <p>Windows are the configured ones ({@link #windows()}); asking for another throws
 * {@link IllegalArgumentException}. Dimensions are spelled as field names joined by {@code +}, in
 * any order ({@code dst_port+src_addr} is {@code src_addr+dst_port}); only configured ones
 * ({@link #dimensions()}) can be asked for. Fields: {@code src_addr dst_addr src_port dst_port
 * service_port protocol exporter in_if out_if in_if_name out_if_name direction vlan tcp_flags
 * src_country dst_country src_asn dst_asn src_as_name dst_as_name src_domain dst_domain}, and the
 * alias {@code session} for the 5-tuple. Limits are capped by the configured top-N size.
 */
@ProviderType
public interface FlowQueryService {
    /** The 5-tuple, canonical spelling. */
    String SESSIONS = "src_addr+src_port+dst_addr+dst_port+protocol";
    String SOURCES = "src_addr";
    String DESTINATIONS = "dst_addr";
    String PORTS = "dst_port+protocol";
    String PROTOCOLS = "protocol";
    String SRC_COUNTRIES = "src_country";
    String DST_COUNTRIES = "dst_country";
    String SRC_ASNS = "src_asn+src_as_name";
    String DST_ASNS = "dst_asn+dst_as_name";
    String DOMAINS = "dst_domain";
    String EXPORTERS = "exporter";
    String IN_INTERFACES = "exporter+in_if";
    String OUT_INTERFACES = "exporter+out_if";

    /** Totals of everything delivered to consumers since start. */
    Totals totals();

    /** The configured windows, shortest first. */
    List<Duration> windows();

    /** The configured dimensions, canonical spelling, in configuration order. */
    List<String> dimensions();

    /** The configured top-N size: the most groups any answer lists. */
    int topN();

    /** Health: memory, capacity, late and stale records, refresh time. */
    AggregateStatus status();

    /** Exact totals and rates over a window, with distinct-count estimates. */
    WindowTotals window(Duration window);

    /**
     * The heaviest groups of a configured dimension over a window, e.g. sessions
     * ({@link #SESSIONS}), protocols, countries, ASNs, domains, exporters, interfaces.
     */
    TopN top(Duration window, String dimension, Metric order, int limit);

    /** Cumulative counters per group of a configured dimension, heaviest first. */
    Counters counters(String dimension, int limit);

    /**
     * Addresses as sender and receiver with bytes, packets and connection counts, ranked by the
     * sum of both directions; needs {@link #SOURCES} and {@link #DESTINATIONS}.
     */
    HostTop hosts(Duration window, Metric order, int limit);

    /** Destination ports with their protocol mix; needs {@link #PORTS}. */
    PortTop ports(Duration window, int limit);

    /**
     * Drill-down on one address (numeric IPv4 or IPv6 text): totals, peers, protocols, ports and a
     * series; peers, protocols and ports need {@link #SESSIONS}. Lists hold at most {@code limit}.
     */
    HostDetail host(Duration window, String address, int limit);

    /**
     * Total and per-protocol throughput over the last {@code span} in steps of {@code step}
     * (rounded up to whole buckets), with the {@code protocols} heaviest protocols by name.
     */
    Trend trend(Duration span, Duration step, int protocols);

    /** Sources by distinct destinations, distinct destination ports or flows over a window. */
    DistinctTop distinctBySource(Duration window, DistinctTop.By order, int limit);
}
