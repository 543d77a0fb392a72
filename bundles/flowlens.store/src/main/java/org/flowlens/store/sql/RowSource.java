package org.flowlens.store.sql;

/** The values of one result row, by column index from 0. */
public interface RowSource {
    long int64(int column);

    int int32(int column);

    float float32(int column);

    /** Null for SQL NULL and for the empty string (engines without nulls store absent text as empty). */
    String string(int column);
}
