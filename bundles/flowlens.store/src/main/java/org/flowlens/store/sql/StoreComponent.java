package org.flowlens.store.sql;

import java.util.Map;

import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.query.Metric;
import org.flowlens.api.store.AlertPage;
import org.flowlens.api.store.AlertSearch;
import org.flowlens.api.store.FlowPage;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.FlowStore;
import org.flowlens.api.store.Series;
import org.flowlens.api.store.StoreStatus;
import org.flowlens.api.store.TopTalkers;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;

/**
 * What every store engine's component does the same way: it is the pipeline's consumer and the
 * {@link FlowStore} of its {@link SqlFlowStore}, and the Event Admin handler that keeps the alert
 * history (register it with {@code event.topics=org/flowlens/alert/*}). An engine's component
 * extends this class with its configuration and the engine it opens.
 */
public abstract class StoreComponent implements FlowConsumer, FlowStore, EventHandler, ConfigurationCheck {
    /** The store behind the service. */
    protected abstract SqlFlowStore store();

    @Override
    public void accept(FlowBatch batch) {
        store().accept(batch);
    }

    /** Queues an alert event for the alert history; never blocks the Event Admin thread. */
    @Override
    public void handleEvent(Event event) {
        store().acceptAlert(event);
    }

    @Override
    public FlowPage search(FlowSearch search) {
        return store().search(search);
    }

    @Override
    public TopTalkers topTalkers(long fromMillis, long toMillis, Metric order, int limit) {
        return store().topTalkers(fromMillis, toMillis, order, limit);
    }

    @Override
    public Series protocolSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
        return store().protocolSeries(fromMillis, toMillis, stepMillis, order, limit);
    }

    @Override
    public Series portSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
        return store().portSeries(fromMillis, toMillis, stepMillis, order, limit);
    }

    @Override
    public StoreStatus status() {
        return store().status();
    }

    @Override
    public AlertPage alerts(AlertSearch search) {
        return store().alerts(search);
    }

    /** Whether {@code modified} would take these properties: the store parses them as it would. */
    @Override
    public final String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> check(properties));
    }

    /** Parses a configuration as {@code modified} does, throwing what it would refuse. */
    protected abstract void check(Map<String, Object> properties);
}
