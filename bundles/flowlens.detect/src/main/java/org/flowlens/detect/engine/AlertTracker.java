package org.flowlens.detect.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.Alert.Severity;
import org.flowlens.api.alert.Alert.State;
import org.flowlens.api.metrics.Counter;
import org.flowlens.detect.state.Hashing;

/**
 * The lifecycle of one detector's alerts. Each evaluation reports the keys over their threshold with
 * {@link #hit}; then {@link #sweep} ends the cycle.
 * <ul>
 * <li>A key over its threshold with no alert raises one (RAISED), unless the key is cooling down
 * after its last alert resolved, or the detector already holds its most active alerts: both are
 * counted as suppressed.</li>
 * <li>An alert whose key stays over its threshold is updated (ONGOING) when its severity changes and
 * otherwise at most once per update interval; there is one alert per key at a time.</li>
 * <li>An alert whose key stayed under its threshold for the quiet period resolves (RESOLVED,
 * carrying the peak value), and its key then cools down: for the cool-down period a new crossing
 * raises nothing (it is counted as suppressed), so that a flapping condition does not page
 * repeatedly.</li>
 * </ul>
 * Not thread-safe: the owning detector serializes calls.
 */
public final class AlertTracker {
    /** Lifecycle timing and bounds. */
    public record Settings(long quietMillis, long cooldownMillis, long updateMillis, int maxActive) {}

    private static final class Entry {
        final String id;
        final String key;
        final long first;
        Severity severity;
        double value;
        double peak;
        double threshold;
        long lastHit;
        long lastPublished;
        String message;
        List<Map<String, Object>> evidence;

        Entry(String id, String key, long first) {
            this.id = id;
            this.key = key;
            this.first = first;
        }
    }

    private final String detector;
    private final Consumer<Alert> publisher;
    private final Counter raised;
    private final Counter resolved;
    private final Counter suppressedCooldown;
    private final Counter suppressedLimit;
    private final Map<String, Entry> active = new LinkedHashMap<>();
    private final Map<String, Long> cooling = new HashMap<>();
    private Settings settings;

    public AlertTracker(String detector, Settings settings, Consumer<Alert> publisher, Counter raised, Counter resolved,
            Counter suppressedCooldown, Counter suppressedLimit) {
        this.detector = detector;
        this.settings = settings;
        this.publisher = publisher;
        this.raised = raised;
        this.resolved = resolved;
        this.suppressedCooldown = suppressedCooldown;
        this.suppressedLimit = suppressedLimit;
    }

    public void settings(Settings s) {
        settings = s;
    }

    public String detector() {
        return detector;
    }

    /** A key is over its threshold now. */
    public void hit(long now, String key, double value, double threshold, Severity severity, Explanation explanation) {
        Entry e = active.get(key);
        if (e == null) {
            Long until = cooling.get(key);
            if (until != null) {
                if (now < until) {
                    suppressedCooldown.increment();
                    return;
                }
                cooling.remove(key);
            }
            if (active.size() >= settings.maxActive()) {
                suppressedLimit.increment();
                return;
            }
            e = new Entry(id(detector, key, now), key, now);
            e.severity = severity;
            e.value = value;
            e.peak = value;
            e.threshold = threshold;
            e.lastHit = now;
            e.lastPublished = now;
            e.message = explanation.message();
            e.evidence = explanation.evidence();
            active.put(key, e);
            raised.increment();
            publisher.accept(alert(e, State.RAISED, now, value));
            return;
        }
        e.value = value;
        e.peak = Math.max(e.peak, value);
        e.threshold = threshold;
        e.lastHit = now;
        boolean changed = severity != e.severity;
        e.severity = severity;
        if (changed || now - e.lastPublished >= settings.updateMillis()) {
            e.lastPublished = now;
            e.message = explanation.message();
            e.evidence = explanation.evidence();
            publisher.accept(alert(e, State.ONGOING, now, value));
        }
    }

    /** Ends an evaluation: resolves alerts quiet for long enough, forgets finished cool-downs. */
    public void sweep(long now) {
        for (Iterator<Entry> it = active.values().iterator(); it.hasNext();) {
            Entry e = it.next();
            if (now - e.lastHit >= settings.quietMillis()) {
                it.remove();
                resolve(e, now, "below the threshold for " + Units.duration(settings.quietMillis()));
            }
        }
        cooling.values().removeIf(until -> until <= now);
    }

    /** Resolves every alert at once, e.g. when the detector is switched off. */
    public void resolveAll(long now, String why) {
        List<Entry> all = new ArrayList<>(active.values());
        active.clear();
        for (Entry e : all) {
            resolve(e, now, why);
        }
    }

    private void resolve(Entry e, long now, String why) {
        cooling.put(e.key, now + settings.cooldownMillis());
        e.message = "Resolved (" + why + "; peak " + Units.si(e.peak).trim() + "): " + e.message;
        resolved.increment();
        publisher.accept(alert(e, State.RESOLVED, now, e.peak));
    }

    public boolean isActive(String key) {
        return active.containsKey(key);
    }

    public int activeCount() {
        return active.size();
    }

    /** The alerts raised or ongoing, oldest first, with their latest value. */
    public List<Alert> active(long now) {
        List<Alert> out = new ArrayList<>(active.size());
        for (Entry e : active.values()) {
            out.add(alert(e, e.first == e.lastHit ? State.RAISED : State.ONGOING, Math.max(e.lastHit, e.lastPublished), e.value));
        }
        return out;
    }

    /** Writes the active alerts and the keys cooling down, for a next instance to go on with. */
    public void write(DataOutput out) throws IOException {
        out.writeInt(active.size());
        for (Entry e : active.values()) {
            AlertCodec.writeText(out, e.id);
            AlertCodec.writeText(out, e.key);
            out.writeLong(e.first);
            out.writeInt(e.severity.ordinal());
            out.writeDouble(e.value);
            out.writeDouble(e.peak);
            out.writeDouble(e.threshold);
            out.writeLong(e.lastHit);
            out.writeLong(e.lastPublished);
            AlertCodec.writeText(out, e.message);
            AlertCodec.writeEvidence(out, e.evidence);
        }
        out.writeInt(cooling.size());
        for (Map.Entry<String, Long> c : cooling.entrySet()) {
            AlertCodec.writeText(out, c.getKey());
            out.writeLong(c.getValue());
        }
    }

    /** Takes over what {@link #write} wrote: the alerts go on, as active as they were, without being raised again. */
    public void read(DataInput in) throws IOException {
        int n = AlertCodec.count(in, 1 << 20, "active alerts");
        Map<String, Entry> read = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Entry e = new Entry(AlertCodec.readText(in), AlertCodec.readText(in), in.readLong());
            e.severity = AlertCodec.severity(in.readInt());
            e.value = in.readDouble();
            e.peak = in.readDouble();
            e.threshold = in.readDouble();
            e.lastHit = in.readLong();
            e.lastPublished = in.readLong();
            e.message = AlertCodec.readText(in);
            e.evidence = AlertCodec.readEvidence(in);
            read.put(e.key, e);
        }
        int c = AlertCodec.count(in, 1 << 20, "keys cooling down");
        Map<String, Long> cool = new HashMap<>();
        for (int i = 0; i < c; i++) {
            cool.put(AlertCodec.readText(in), in.readLong());
        }
        active.putAll(read);
        cooling.putAll(cool);
    }

    private Alert alert(Entry e, State state, long now, double value) {
        return new Alert(e.id, detector, e.key, e.severity, state, e.first, now, value, e.threshold, e.message,
                e.evidence);
    }

    /** A stable id that is safe in URLs: detector, a hash of the key, the time raised. */
    static String id(String detector, String key, long first) {
        long h = 1125899906842597L;
        for (int i = 0; i < key.length(); i++) {
            h = 31 * h + key.charAt(i);
        }
        StringBuilder sb = new StringBuilder(detector.length() + 30);
        for (int i = 0; i < detector.length(); i++) {
            char c = detector.charAt(i);
            sb.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' ? c : '_');
        }
        return sb.append('-').append(Long.toHexString(Hashing.mix(h) >>> 16)).append('-').append(Long.toString(first, 36))
                .toString();
    }
}
