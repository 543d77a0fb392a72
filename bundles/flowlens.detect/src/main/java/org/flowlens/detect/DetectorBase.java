package org.flowlens.detect;

import java.util.List;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.Detector;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.detect.engine.AlertEvents;
import org.flowlens.detect.engine.AlertTracker;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.Ticker;
import org.flowlens.detect.engine.Traffic;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every detector component shares: reading batches under its lock, the allow-lists,
 * evaluation on the shared ticker, the alert lifecycle, publishing on Event Admin, switching on and
 * off live, and its counters. Subclasses keep the state and say what crosses a threshold.
 *
 * <p>Records are placed in time by their arrival at the detector, so that a condition counts from
 * the moment its records arrive, whatever the exporter's clock says.
 */
public abstract class DetectorBase implements Detector {
    private static final Logger LOG = LoggerFactory.getLogger(DetectorBase.class);

    @Reference
    Metrics metrics;

    @Reference
    Ticker ticker;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile EventAdmin eventAdmin;

    private String name;
    private Common common;
    private volatile boolean enabled;
    private AlertTracker tracker;
    private Ticker.Task task;
    private Counter records;
    private Counter ignored;
    private Counter dropped;
    private Counter evaluations;
    private Counter evaluationNanos;
    private Counter unpublished;
    private long droppedPending;
    private long origin;

    /** Starts the detector with its first settings. */
    protected final synchronized void start(String detectorName, Common settings) {
        this.name = detectorName;
        this.common = settings;
        this.origin = ticker.now() - 86_400_000L;
        String[] l = {"detector", name};
        records = metrics.counter("flowlens_detect_records_total", "Records a detector examined", l);
        ignored = metrics.counter("flowlens_detect_ignored_records_total", "Records a detector skipped because an allow-list matched", l);
        dropped = metrics.counter("flowlens_detect_dropped_records_total", "Records a detector could not track because its key table was full", l);
        evaluations = metrics.counter("flowlens_detect_evaluations_total", "Evaluations a detector ran", l);
        evaluationNanos = metrics.counter("flowlens_detect_evaluation_nanoseconds_total", "Time a detector spent evaluating", l);
        unpublished = metrics.counter("flowlens_detect_unpublished_alerts_total", "Alert events a detector could not publish (no Event Admin)", l);
        tracker = new AlertTracker(name, settings.lifecycle(), this::publish,
                metrics.counter("flowlens_detect_alerts_total", "Alert events by detector and state", "detector", name, "state", "raised"),
                metrics.counter("flowlens_detect_alerts_total", "Alert events by detector and state", "detector", name, "state", "resolved"),
                metrics.counter("flowlens_detect_suppressed_alerts_total", "Crossings that raised no alert, by reason", "detector", name, "reason", "cooldown"),
                metrics.counter("flowlens_detect_suppressed_alerts_total", "Crossings that raised no alert, by reason", "detector", name, "reason", "limit"));
        metrics.gauge("flowlens_detect_keys", "Keys a detector tracks now", this::keys, l);
        metrics.gauge("flowlens_detect_footprint_bytes", "Memory a detector's state holds", this::footprintBytes, l);
        metrics.gauge("flowlens_detect_active_alerts", "Alerts raised or ongoing", this::activeCount, l);
        enabled = settings.enabled();
        if (enabled) {
            createState(settings, ticker.now());
        }
        task = ticker.schedule(name, this::tick, settings.evaluationMillis());
        LOG.info("Detector {} started{}: window {} ms, evaluated every {} ms", name, enabled ? "" : " (disabled)",
                settings.windowMillis(), settings.evaluationMillis());
    }

    /** Applies new settings live; window state is kept. */
    protected final synchronized void reconfigure(Common settings) {
        Common prev = common;
        long now = ticker.now();
        common = settings;
        tracker.settings(settings.lifecycle());
        if (prev.enabled() && !settings.enabled()) {
            enabled = false;
            tracker.resolveAll(now, "detector switched off");
            dropState();
            LOG.info("Detector {} switched off", name);
        } else if (!prev.enabled() && settings.enabled()) {
            createState(settings, now);
            enabled = true;
            LOG.info("Detector {} switched on", name);
        } else if (settings.enabled()) {
            updateState(prev, settings, now);
        }
        if (prev.evaluationMillis() != settings.evaluationMillis()) {
            task.cancel();
            task = ticker.schedule(name, this::tick, settings.evaluationMillis());
        }
        LOG.info("Detector {} reconfigured live", name);
    }

    /** Stops: resolves what is active, drops the state, removes the gauges. */
    protected final synchronized void stop() {
        if (task != null) {
            task.cancel();
        }
        enabled = false;
        if (tracker != null) {
            tracker.resolveAll(ticker.now(), "detector stopped");
        }
        dropState();
        if (name != null) {
            metrics.remove("flowlens_detect_keys", "detector", name);
            metrics.remove("flowlens_detect_footprint_bytes", "detector", name);
            metrics.remove("flowlens_detect_active_alerts", "detector", name);
        }
    }

    /** Whole seconds since the detector started (plus a day), for distinct windows' ticks. */
    protected final int second(long now) {
        return (int) Math.floorDiv(now - origin, 1000L);
    }

    /** The first second still inside a window of {@code windowMillis} ending at {@code now}. */
    protected final int since(long now, long windowMillis) {
        return second(now) - (int) Math.max(1, windowMillis / 1000) + 1;
    }

    protected final Common common() {
        return common;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void accept(FlowBatch batch) {
        if (!enabled) {
            return;
        }
        long now = ticker.now();
        int seen = batch.size();
        int skipped = 0;
        synchronized (this) {
            if (!enabled) {
                return;
            }
            droppedPending = 0;
            skipped = onBatch(batch, now);
            if (droppedPending > 0) {
                dropped.add(droppedPending);
            }
        }
        records.add(seen);
        if (skipped > 0) {
            ignored.add(skipped);
        }
    }

    /**
     * Reads a batch under the lock. The default hands every record that no allow-list matches to
     * {@link #onRecord}.
     *
     * @return how many records the allow-lists matched
     */
    protected int onBatch(FlowBatch batch, long now) {
        int skipped = 0;
        for (int i = 0, n = batch.size(); i < n; i++) {
            FlowRecord r = batch.get(i);
            if (allowListed(r)) {
                skipped++;
            } else {
                onRecord(r, now);
            }
        }
        return skipped;
    }

    /** Whether the record's addresses or ports are on the allow-lists. */
    protected final boolean allowListed(FlowRecord r) {
        Common c = common;
        if (!c.allowCidrs().isEmpty()
                && (c.allowCidrs().contains(r.srcHi(), r.srcLo()) || c.allowCidrs().contains(r.dstHi(), r.dstLo()))) {
            return true;
        }
        return !c.allowPorts().isEmpty() && Traffic.hasPorts(r.protocol())
                && (c.allowPorts().contains(r.srcPort()) || c.allowPorts().contains(r.dstPort()));
    }

    /** A record could not be tracked because the key table is full. */
    protected final void tableFull() {
        droppedPending++;
    }

    /** One evaluation; the ticker calls it every evaluation interval, tests call it directly. */
    final void tick() {
        if (!enabled) {
            return;
        }
        long t0 = System.nanoTime();
        synchronized (this) {
            if (!enabled) {
                return;
            }
            long now = ticker.now();
            evaluate(now, tracker);
            tracker.sweep(now);
        }
        evaluations.increment();
        evaluationNanos.add(System.nanoTime() - t0);
    }

    private void publish(Alert a) {
        EventAdmin ea = eventAdmin;
        if (ea == null) {
            unpublished.increment();
            return;
        }
        ea.postEvent(AlertEvents.event(a));
    }

    @Override
    public final synchronized List<Alert> active() {
        return tracker == null ? List.of() : tracker.active(ticker.now());
    }

    private synchronized double activeCount() {
        return tracker == null ? 0 : tracker.activeCount();
    }

    /** Allocates the state for these settings. */
    protected abstract void createState(Common settings, long now);

    /** Adapts the state to changed settings, keeping what it holds. */
    protected abstract void updateState(Common prev, Common next, long now);

    /** Frees the state. */
    protected abstract void dropState();

    /** Reads one record that no allow-list matched. */
    protected abstract void onRecord(FlowRecord r, long now);

    /** Reports every key over its threshold to the tracker with {@link AlertTracker#hit}. */
    protected abstract void evaluate(long now, AlertTracker tracker);

    /** Keys tracked now, for the gauge. */
    protected abstract double keys();

    /** Bytes the state holds, for the gauge. */
    protected abstract double footprintBytes();
}
