package org.flowlens.api.store;

import org.flowlens.api.query.Metric;
import org.osgi.annotation.versioning.ProviderType;

/**
 * History of the record stream on disk: a searchable flow log and long-range trends. Store
 * bundles register this service next to a {@link org.flowlens.api.pipeline.FlowConsumer} that
 * writes every enriched batch; the web API asks it for log search and history views.
 *
 * <p>Time ranges are {@code [fromMillis, toMillis)} in epoch milliseconds and refer to the time a
 * record is filed under (its receive time, or its end time when the store is configured so).
 * Raw records are kept for the configured number of days; per-minute rollups for months. Top
 * talkers and series read whole minutes from the rollups and the partial minutes at the edges of a
 * range from the raw records, so answers are exact wherever raw records are still kept.
 *
 * <p>Store bundles also keep the alert history ({@link #alerts(AlertSearch)}).
 *
 * <p>Invalid arguments throw {@link IllegalArgumentException}; an engine that cannot answer (disk
 * error, server unreachable) throws {@link IllegalStateException} with the reason.
 */
@ProviderType
public interface FlowStore {
    /** Service property: the engine behind the store, e.g. {@code duckdb} or {@code clickhouse}. */
    String ENGINE = "flowlens.store.engine";

    /** The longest series a query may ask for, in points. */
    int MAX_POINTS = 10_000;

    /** The most groups (talkers, series lines) a query may ask for. */
    int MAX_GROUPS = 1_000;

    /**
     * Raw records matching every filter of the search, one page of them in the order asked for,
     * with the total number of matches.
     */
    FlowPage search(FlowSearch search);

    /**
     * The addresses with the most traffic, sent plus received, over a range.
     *
     * @param order what the ranking and the sum are measured in
     * @param limit at most this many addresses (1 to {@link #MAX_GROUPS})
     */
    TopTalkers topTalkers(long fromMillis, long toMillis, Metric order, int limit);

    /**
     * Traffic per IP protocol in equal steps: the {@code limit} heaviest protocols over the whole
     * range, each with one point per step, and the rest summed in a line of its own.
     *
     * @param stepMillis width of a point, rounded up to whole minutes; the range is widened to
     *     whole steps, aligned to multiples of the step since the epoch (UTC)
     */
    Series protocolSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit);

    /**
     * Traffic per service port and protocol (the lower port of a TCP, UDP or SCTP flow when it is
     * not zero, otherwise its destination port; 0 for other protocols), in equal steps, as
     * {@link #protocolSeries}.
     */
    Series portSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit);

    /** What the store holds and how its writer is doing. */
    StoreStatus status();

    /**
     * The alert history: store bundles keep every alert event published on
     * {@link org.flowlens.api.alert.AlertTopics} (raised, ongoing, resolved, acknowledged), written
     * with the records (so a crash loses at most the last flush interval) and kept as long as the
     * rollups. Unlike the bounded in-memory history of the {@link org.flowlens.api.alert.AlertService},
     * it reaches back as far as the store's retention and survives restarts.
     */
    AlertPage alerts(AlertSearch search);
}
