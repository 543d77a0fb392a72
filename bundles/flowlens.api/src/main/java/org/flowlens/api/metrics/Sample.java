package org.flowlens.api.metrics;

import java.util.List;

/**
 * One value of a counter, gauge or histogram at snapshot time.
 *
 * @param name the metric family's name (for histograms without the _bucket/_sum/_count suffix)
 * @param labels name, value, name, value, ...
 */
public record Sample(String name, String help, Type type, List<String> labels, double value) {
    public enum Type { COUNTER, GAUGE, HISTOGRAM_BUCKET, HISTOGRAM_SUM, HISTOGRAM_COUNT }

    /** The value of a label, or null. */
    public String label(String labelName) {
        for (int i = 0; i + 1 < labels.size(); i += 2) {
            if (labels.get(i).equals(labelName)) {
                return labels.get(i + 1);
            }
        }
        return null;
    }
}
