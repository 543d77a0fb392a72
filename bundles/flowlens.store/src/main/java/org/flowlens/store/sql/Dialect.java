package org.flowlens.store.sql;

/** The few places where the engines' SQL differs. Everything else the queries use is common SQL. */
public interface Dialect {
    /** The table's name as queries must spell it, e.g. qualified with a database. */
    String table(String name);

    /** Integer division rounding down, of a non-negative value. */
    String intDiv(String expression, long divisor);

    /** The expression as a signed 64-bit integer. */
    String int64(String expression);
}
