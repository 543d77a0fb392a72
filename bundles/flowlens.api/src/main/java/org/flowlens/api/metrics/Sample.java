package org.flowlens.api.metrics;

import java.util.List;

/**
 * One value of a counter or gauge at snapshot time.
 *
 * @param labels name, value, name, value, ...
 */
public record Sample(String name, String help, Type type, List<String> labels, double value) {
    public enum Type { COUNTER, GAUGE }

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
