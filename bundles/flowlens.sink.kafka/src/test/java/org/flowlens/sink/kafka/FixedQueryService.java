package org.flowlens.sink.kafka;

import java.time.Duration;
import java.util.List;

import org.flowlens.api.query.AggregateStatus;
import org.flowlens.api.query.Counters;
import org.flowlens.api.query.DistinctTop;
import org.flowlens.api.query.ErrorBound;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.HostDetail;
import org.flowlens.api.query.HostTop;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.PortTop;
import org.flowlens.api.query.TopN;
import org.flowlens.api.query.Totals;
import org.flowlens.api.query.Trend;
import org.flowlens.api.query.WindowTotals;

/** A query service with one window, one dimension and fixed answers: what the sink publishes is checked against them. */
final class FixedQueryService implements FlowQueryService {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    @Override
    public List<Duration> windows() {
        return List.of(MINUTE, Duration.ofMinutes(5));
    }

    @Override
    public List<String> dimensions() {
        return List.of("src_addr");
    }

    @Override
    public int topN() {
        return 10;
    }

    @Override
    public WindowTotals window(Duration window) {
        return new WindowTotals(window, 1000, 61_000, 61_500, 123456, 789, 42, 16_460.8, 13.15, 0.7, 3, 2, 5, 0.0081);
    }

    @Override
    public TopN top(Duration window, String dimension, Metric order, int limit) {
        if (!dimension.equals("src_addr")) {
            throw new IllegalArgumentException("dimension not configured: " + dimension);
        }
        return new TopN("src_addr", List.of("src_addr"), window, order, 1000, 61_000, 61_500, 123456, 789, 42, 3, ErrorBound.EXACT,
                List.of(new Group(List.of("192.168.0.1"), 100_000, 500, 20, 13_333.3, 8.3)));
    }

    @Override
    public Totals totals() {
        throw new UnsupportedOperationException();
    }

    @Override
    public AggregateStatus status() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Counters counters(String dimension, int limit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HostTop hosts(Duration window, Metric order, int limit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public PortTop ports(Duration window, int limit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public HostDetail host(Duration window, String address, int limit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Trend trend(Duration span, Duration step, int protocols) {
        throw new UnsupportedOperationException();
    }

    @Override
    public DistinctTop distinctBySource(Duration window, DistinctTop.By order, int limit) {
        throw new UnsupportedOperationException();
    }
}
