package org.flowlens.store.sql;

import org.flowlens.api.flow.FlowRecord;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A database behind a {@link SqlFlowStore}: it stages and commits raw records, keeps the rollups,
 * enforces retention and runs queries.
 *
 * <p>Tables: {@code flows} with the {@link Column}s; {@code rollup_protocol} (minute_ms, protocol,
 * bytes, packets, flows); {@code rollup_port} (minute_ms, protocol, port, bytes, packets, flows)
 * where port is {@link StoreSql#SERVICE_PORT}; {@code rollup_host} (minute_ms, addr_hi, addr_lo,
 * bytes_sent, bytes_received, packets_sent, packets_received, flows_sent, flows_received);
 * {@code alerts} with the columns of {@link AlertSql#COLUMNS}, kept as long as the rollups.
 * Rollups hold per-minute sums, possibly in several rows per key that queries add up.
 *
 * <p>Records reach an engine in two steps: an {@link Encoder}, used by the thread that hands
 * batches to the store, turns them into engine-ready {@link Chunk}s (column arrays, an insert
 * body); the store's writer thread stages the chunks and commits them. The write methods are
 * called from the writer thread only; the read methods from any thread.
 */
@ConsumerType
public interface SqlEngine extends AutoCloseable {
    /** The engine's name, e.g. {@code duckdb}. */
    String engine();

    /** Where the data lives, for people. */
    String location();

    Dialect dialect();

    /** A new encoder for this engine's chunks; one thread at a time uses it. */
    Encoder encoder();

    /** Adds a chunk of this engine's encoders to the rows the next {@link #commit()} writes. */
    void stage(Chunk chunk);

    /** Records staged and not yet committed. */
    int staged();

    /**
     * Writes the staged records and their rollups; when this returns they survive a crash of the
     * process. On failure the staged records are kept for another attempt.
     *
     * @throws StoreException when the write failed
     */
    void commit();

    /** Forgets the staged records. */
    void discard();

    /**
     * Runs one write statement on its own, e.g. an insert into the {@code alerts} table
     * ({@link AlertSql}); when this returns it survives a crash of the process.
     *
     * @throws StoreException when the write failed
     */
    void execute(String statement);

    /**
     * Every raw record filed before this time is counted in the rollups, and so is every record
     * committed later with an earlier time. {@link Long#MAX_VALUE} for engines that roll up as they
     * insert.
     */
    long rolledUpTo();

    /**
     * Rolls the raw records of the minutes before {@code toMillis} (a whole minute) into the
     * rollups. Engines that roll up as they insert do nothing.
     */
    void rollUp(long toMillis);

    /**
     * Removes raw records filed before {@code rawCutoffMillis} and rollups of minutes before
     * {@code rollupCutoffMillis} (both start of a UTC day).
     */
    void retain(long rawCutoffMillis, long rollupCutoffMillis);

    /** Runs queries that see one state of the data where the engine can, otherwise one by one. */
    <T> T read(ReadWork<T> work);

    /** Bytes on disk of everything the store holds. */
    long diskBytes();

    /** Releases the database; staged records not committed are lost. */
    @Override
    void close();

    /** Records encoded for one engine, ready to be staged. */
    interface Chunk {
        int records();
    }

    /** Turns records into chunks; not thread-safe. */
    interface Encoder {
        /** Adds a record, filed under {@code timeMillis}. */
        void add(FlowRecord record, long timeMillis);

        /** Records added since the last {@link #finish()}. */
        int size();

        /** True when the current chunk should be finished before more records are added. */
        boolean full();

        /** The records added so far as a chunk; the encoder starts a new one. */
        Chunk finish();
    }

    /** A piece of reading work. */
    @FunctionalInterface
    interface ReadWork<T> {
        T run(Reads reads);
    }

    /** Runs one query. */
    @FunctionalInterface
    interface Reads {
        /** @throws StoreException when the query failed */
        void query(String sql, RowHandler handler);
    }

    /** Receives each result row; the row is valid during the call only. */
    @FunctionalInterface
    interface RowHandler {
        void row(RowSource row);
    }
}
