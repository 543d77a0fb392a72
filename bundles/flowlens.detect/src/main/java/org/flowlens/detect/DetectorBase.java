package org.flowlens.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.detect.engine.AlertTracker;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.DataArea;
import org.flowlens.detect.engine.Ticker;
import org.flowlens.detect.engine.Traffic;
import org.flowlens.detect.state.DistinctWindow;
import org.flowlens.detect.state.KeyTable;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.EventAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every detector component shares: refusing a bad configuration (keeping the last good one),
 * reading batches under its lock, the allow-lists, the key table and its life with the settings,
 * evaluation on the shared ticker (walking the keys, dropping those that left the window), the
 * alert lifecycle, publishing on Event Admin, switching on and off live, and its counters.
 *
 * <p>A detector says what it counts and what it compares: the shape of its key table
 * ({@link #newTable}), what a record adds to it ({@link #onRecord}), and for each key still in the
 * window whether it is over its threshold ({@link #examine}, which raises through the
 * {@link Evaluation}).
 *
 * <p>Records are placed in time by their arrival at the detector, so that a condition counts from
 * the moment its records arrive, whatever the exporter's clock says.
 *
 * <p>When its bundle stops (updated, restarted, the framework stopping), a detector saves its
 * windows and active alerts to the bundle's data area, and the next instance goes on from them:
 * the alerts neither resolve nor are raised again. Other stops (switched off, configuration
 * deleted) resolve the alerts and count the keys discarded.
 */
public abstract class DetectorBase implements Detector, ConfigurationCheck {
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
    private Counter discarded;
    private Counter savedKeys;
    private Counter restoredKeys;
    private long droppedPending;
    private long origin;
    private KeyTable table;
    private final Evaluation evaluation = new Evaluation();
    /** Where the state is saved when the bundle stops; none outside a framework unless a test sets it. */
    Path savedState;

    private static final int SAVED_STATE = 0x464C4453; // "FLDS"

    /**
     * The settings of a first configuration; a configuration refused is logged and the defaults
     * used instead.
     *
     * @param what the detector, for the log ("Port scan detector")
     */
    protected final <S> S firstSettings(String what, Supplier<S> parse, Supplier<S> defaults) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(getClass()).error("{} configuration refused, using the defaults: {}", what,
                    e.getMessage());
            return defaults.get();
        }
    }

    /**
     * The settings of a changed configuration, or null when it is refused (logged; the last good
     * one stays).
     */
    protected final <S> S nextSettings(String what, Supplier<S> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(getClass()).error("{} configuration refused, keeping the last good one: {}", what,
                    e.getMessage());
            return null;
        }
    }

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
        discarded = metrics.counter("flowlens_detect_discarded_keys_total", "Keys whose window state a detector discarded: switched"
                + " off, stopped without its bundle, or state it could not save, restore or keep within its bounds", l);
        savedKeys = metrics.counter("flowlens_detect_saved_keys_total", "Keys whose window state a detector saved when its"
                + " bundle stopped, for its next instance (saved and never restored: lost with an uninstalled bundle)", l);
        restoredKeys = metrics.counter("flowlens_detect_restored_keys_total", "Keys whose saved window state a detector went on from", l);
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
        if (savedState == null) {
            savedState = DataArea.file(getClass(), "detector-" + name + ".state");
        }
        restore(ticker.now());
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
            discarded.add((long) keys());
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

    /**
     * Stops: saves the state for the next instance when the bundle stops, otherwise resolves what is
     * active and counts the keys discarded; then drops the state and removes the gauges.
     *
     * @param reason the deactivation reason Declarative Services gives
     */
    protected final synchronized void stop(int reason) {
        if (task != null) {
            task.cancel();
        }
        boolean wasEnabled = enabled;
        enabled = false;
        long now = ticker.now();
        boolean saved = wasEnabled && bundleStopping(reason) && save();
        if (!saved) {
            if (tracker != null) {
                tracker.resolveAll(now, "detector stopped");
            }
            if (discarded != null) {
                discarded.add((long) keys());
            }
        }
        dropState();
        if (name != null) {
            metrics.remove("flowlens_detect_keys", "detector", name);
            metrics.remove("flowlens_detect_footprint_bytes", "detector", name);
            metrics.remove("flowlens_detect_active_alerts", "detector", name);
        }
    }

    /**
     * Whether the detector stops because its bundle does: the reason says so, or (when the detector
     * went first because the bundle's ticker did) the bundle is stopping.
     */
    private boolean bundleStopping(int reason) {
        return reason == ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED || DataArea.stopping(getClass());
    }

    /** Saves the windows and active alerts for the next instance; false when they could not be saved. */
    private boolean save() {
        Path file = savedState;
        if (file == null || table == null) {
            return false;
        }
        long t0 = System.nanoTime();
        try {
            DataArea.write(file, out -> {
                out.writeInt(SAVED_STATE);
                out.writeUTF(getClass().getName());
                out.writeUTF(name);
                out.writeLong(origin);
                table.write(out);
                saveExtra(out);
                tracker.write(out);
            });
            savedKeys.add(table.size());
            LOG.info("Detector {} saved {} keys and {} active alerts for its next start ({} bytes in {} ms)", name,
                    table.size(), tracker.activeCount(), Files.size(file), (System.nanoTime() - t0) / 1_000_000);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("Detector {} could not save its state to {}; its windows are discarded: {}", name, file, e.toString());
            return false;
        }
    }

    /**
     * Goes on from the state a previous instance saved, under the present settings (most keys,
     * window); the file is used once. A detector switched off by the new settings resolves the
     * saved alerts and counts the saved keys as discarded.
     */
    private void restore(long now) {
        if (savedState == null || !Files.isRegularFile(savedState)) {
            return;
        }
        boolean on = enabled;
        if (!on) {
            createState(common, now);
        }
        long firstOrigin = origin;
        boolean restored;
        try {
            restored = DataArea.readOnce(savedState, (in, size) -> {
                // each key and each element of a distinct set takes at least 20 bytes of the file
                int limit = (int) Math.min(Integer.MAX_VALUE, size / 20);
                if (in.readInt() != SAVED_STATE || !in.readUTF().equals(getClass().getName()) || !in.readUTF().equals(name)) {
                    throw new IOException("not this detector's saved state");
                }
                long savedOrigin = in.readLong();
                KeyTable t = KeyTable.read(in, limit);
                if (!t.sameShape(table)) {
                    throw new IOException("saved by a detector that keeps other state per key");
                }
                int saved = t.size();
                origin = savedOrigin;
                table = t;
                t.maxKeys(common.maxKeys());
                t.window(common.windowMillis(), now);
                discarded.add(saved - t.size());
                restoreExtra(in, limit, now);
                tracker.read(in);
                restoredKeys.add(t.size());
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("Detector {} did not restore its saved state from {}, starting afresh: {}", name, savedState, e.toString());
            origin = firstOrigin;
            createState(common, now);
            restored = false;
        }
        if (restored) {
            LOG.info("Detector {} goes on from its saved state: {} keys, {} active alerts", name, table.size(),
                    tracker.activeCount());
        }
        if (!on) {
            tracker.resolveAll(now, "detector switched off");
            discarded.add((long) keys());
            dropState();
        }
    }

    /** Writes what the detector keeps besides the key table, for the next instance (nothing by default). */
    protected void saveExtra(DataOutput out) throws IOException {
    }

    /**
     * Reads what {@link #saveExtra} wrote, after {@link #createState} under the present settings.
     *
     * @param limit the most items the input may hold
     */
    protected void restoreExtra(DataInput in, int limit, long now) throws IOException {
    }

    /** Counts state a detector could not keep, e.g. saved items beyond its present bounds. */
    protected final void discarded(long n) {
        discarded.add(n);
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
            evaluate(now);
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

    /**
     * Walks the keys: a key of a table with sums leaves when nothing was counted within the window,
     * a key of a table of distinct sets when its first set holds nothing within the window; the
     * others are examined.
     */
    private void evaluate(long now) {
        beforeEvaluation(now);
        KeyTable t = table;
        Common c = common;
        int since = since(now, c.windowMillis());
        Evaluation ev = evaluation;
        ev.begin(now, since, t, c, tracker);
        boolean sums = t.hasSums();
        for (int e = 0; e < t.capacity(); e++) {
            if (!t.used(e)) {
                continue;
            }
            if (sums) {
                if (t.idle(e, now)) {
                    t.remove(e);
                    continue;
                }
                t.decay(e, now);
            } else {
                t.decay(e, now);
                int n = ev.distinct(t.setIfPresent(e, 0));
                if (n == 0) {
                    t.remove(e);
                    continue;
                }
                ev.distinct(n);
            }
            if (!examine(e, ev)) {
                t.remove(e);
            }
        }
    }

    /** The key table, null while the detector is off. */
    protected final KeyTable table() {
        return table;
    }

    /**
     * The key table for these settings: how many sums, top contributors and distinct sets each key
     * keeps (see {@link KeyTable#KeyTable(int, int, int, int, long)}).
     */
    protected abstract KeyTable newTable(Common settings);

    /** Allocates the state for these settings: the key table, and what a detector adds. */
    protected void createState(Common settings, long now) {
        table = newTable(settings);
    }

    /** Adapts the state to changed settings, keeping what it holds. */
    protected void updateState(Common prev, Common next, long now) {
        if (prev.maxKeys() != next.maxKeys()) {
            table.maxKeys(next.maxKeys());
        }
        table.window(next.windowMillis(), now);
    }

    /** Frees the state. */
    protected void dropState() {
        table = null;
    }

    /** Reads one record that no allow-list matched. */
    protected abstract void onRecord(FlowRecord r, long now);

    /** Runs before the keys are examined, under the lock (e.g. to settle what waited). */
    protected void beforeEvaluation(long now) {
    }

    /**
     * Compares one key still in the window with the threshold(s), and raises through
     * {@link Evaluation#raise} when it is over.
     *
     * @return false to drop the key (it no longer means anything under the present settings)
     */
    protected abstract boolean examine(int entry, Evaluation ev);

    /** Keys tracked now, for the gauge. */
    protected double keys() {
        KeyTable t = table;
        return t == null ? 0 : t.size();
    }

    /** Bytes the state holds, for the gauge. */
    protected double footprintBytes() {
        KeyTable t = table;
        return t == null ? 0 : t.footprintBytes();
    }

    /** Whether {@code modified} would take these properties: the detector parses them as it would. */
    @Override
    public final String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> check(properties));
    }

    /** Parses a configuration as {@code modified} does, throwing what it would refuse. */
    protected abstract void check(Map<String, Object> properties);
}
