package org.flowlens.decoder.ipfix;

/**
 * A template compiled into a decoding plan: per field the action to take and the length on the
 * wire ({@link #VARIABLE} for IPFIX variable-length fields). Built once per template definition;
 * data records are decoded by walking these arrays.
 */
final class Template {
    /** Length of a variable-length field in an IPFIX template. */
    static final int VARIABLE = 0xFFFF;

    final int id;
    final boolean options;
    final byte[] actions;
    final int[] lengths;
    /** Record length when no field is variable, else -1. */
    final int fixedLength;
    /** Smallest possible record: a set holding less than this after the last record is padding. */
    final int minLength;
    /** Last time the exporter sent (or refreshed) this template, epoch ms of reception. */
    long lastSeen;

    /**
     * @param variableAllowed IPFIX: a length of 65535 announces a variable-length field; in NetFlow
     *     v9 it is a (useless, but valid) fixed length
     */
    Template(int id, boolean options, byte[] actions, int[] lengths, boolean variableAllowed, long now) {
        this.id = id;
        this.options = options;
        this.actions = actions;
        this.lengths = lengths;
        int fixed = 0, min = 0;
        boolean variable = false;
        for (int len : lengths) {
            if (len == VARIABLE && variableAllowed) {
                variable = true;
                min += 1;
            } else {
                fixed += len;
                min += len;
            }
        }
        this.fixedLength = variable ? -1 : fixed;
        this.minLength = min;
        this.lastSeen = now;
    }

    int fieldCount() {
        return actions.length;
    }

    /** Same layout as {@code other}: a refresh rather than a redefinition. */
    boolean sameAs(Template other) {
        return options == other.options && java.util.Arrays.equals(actions, other.actions)
                && java.util.Arrays.equals(lengths, other.lengths);
    }
}
