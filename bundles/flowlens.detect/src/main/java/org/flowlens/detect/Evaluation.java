package org.flowlens.detect;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.flowlens.detect.engine.AlertTracker;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.Evidence;
import org.flowlens.detect.engine.Explanation;
import org.flowlens.detect.state.DistinctWindow;
import org.flowlens.detect.state.KeyTable;

/**
 * One evaluation of a detector's keys, owned by {@link DetectorBase} and reused from one evaluation
 * to the next: the time, the window, and the ways a detector reads its key table and raises an
 * alert. A detector's {@link DetectorBase#examine} reads one key through it.
 */
final class Evaluation {
    private long now;
    private int since;
    private double spanSeconds;
    private int distinct;
    private KeyTable table;
    private Common common;
    private AlertTracker tracker;

    void begin(long now, int since, KeyTable table, Common common, AlertTracker tracker) {
        this.now = now;
        this.since = since;
        this.table = table;
        this.common = common;
        this.tracker = tracker;
        this.spanSeconds = table.hasSums() ? table.spanMillis(now) / 1000.0 : 0;
    }

    void distinct(int n) {
        distinct = n;
    }

    /** Now, on the detector's clock. */
    long now() {
        return now;
    }

    /** The first second of the window, for {@link DistinctWindow} counts. */
    int since() {
        return since;
    }

    /** The settings of this evaluation. */
    Common common() {
        return common;
    }

    /**
     * For tables of distinct sets only: the distinct elements of the key's first set within the
     * window (at least 1: keys whose set emptied are removed before they are examined).
     */
    int distinct() {
        return distinct;
    }

    /**
     * The distinct elements of a window within the detector's window (0 for null); purges elements
     * that left the window when they hold much more memory than the count needs.
     */
    int distinct(DistinctWindow w) {
        if (w == null) {
            return 0;
        }
        int n = w.count(since);
        if (w.size() > 2 * n + 64) {
            w.purge(since);
        }
        return n;
    }

    /** The time the window covers now, in seconds (a little less than the window early on). */
    double spanSeconds() {
        return spanSeconds;
    }

    /** A key's sum of one metric within the window. */
    long sum(int entry, int metric) {
        return table.sum(entry, metric, now);
    }

    /** A key's sum of one metric within the window, per second of the window. */
    double rate(int entry, int metric) {
        return table.sum(entry, metric, now) / spanSeconds;
    }

    /**
     * A key is over its threshold: raises its alert, or keeps it ongoing, with the severity the
     * common settings give the value.
     */
    void raise(String key, double value, double threshold, Explanation why) {
        tracker.hit(now, key, value, threshold, common.severity(value, threshold), why);
    }

    /**
     * An explanation from a sentence and the entry's top contributors as evidence (addresses, with
     * {@code auxName} for their port or other detail, null for none, and their weight as
     * {@code weightName}). Both are built only when the alert is published.
     */
    Explanation explain(int entry, Supplier<String> message, int top, String auxName, String weightName) {
        KeyTable t = table;
        return new Explanation() {
            @Override
            public String message() {
                return message.get();
            }

            @Override
            public List<Map<String, Object>> evidence() {
                return Evidence.hosts(t.top(entry, top), auxName, weightName);
            }
        };
    }
}
