package org.flowlens.store.sql;

/**
 * Receives the values of one row in {@link Column} order, one call per column. An engine's
 * implementation knows the column it is at by counting calls.
 */
public interface RowSink {
    void int64(long value);

    void int32(int value);

    void float32(float value);

    /** A text value; null when the record has none. */
    void string(String value);
}
