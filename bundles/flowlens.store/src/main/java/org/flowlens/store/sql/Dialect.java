package org.flowlens.store.sql;

/** The few places where the engines' SQL differs. Everything else the queries use is common SQL. */
public interface Dialect {
    /** The table's name as queries must spell it, e.g. qualified with a database. */
    String table(String name);

    /** Integer division rounding down, of a non-negative value. */
    String intDiv(String expression, long divisor);

    /** The expression as a signed 64-bit integer. */
    String int64(String expression);

    /** A string literal with its quotes, whatever the text holds. */
    String text(String value);

    /** A 64-bit floating point literal, NaN and infinities included. */
    String float64(double value);

    /**
     * One page of raw records: every {@link Column} in table order, text as text, of the rows of
     * {@code flows} matching {@code where}, in {@code order} (columns of {@code flows} that are not
     * text). Engines that keep text in {@code flows} as it is select the columns straight away;
     * engines that keep text as numbers look the numbers up for the page's rows only.
     */
    default String flowPage(String where, String order, int limit, int offset) {
        return "SELECT " + Column.names() + " FROM " + table("flows") + " WHERE " + where + " ORDER BY " + order + " LIMIT "
                + limit + " OFFSET " + offset;
    }
}
