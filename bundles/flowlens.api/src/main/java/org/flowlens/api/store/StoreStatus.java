package org.flowlens.api.store;

/**
 * What a store holds and how its writer is doing.
 *
 * @param engine e.g. {@code duckdb}, {@code clickhouse}
 * @param location the file, or the server and database
 * @param storedRecords raw records held now
 * @param oldestMillis time of the oldest raw record held, 0 when empty
 * @param newestMillis time of the newest raw record held, 0 when empty
 * @param diskBytes bytes on disk of everything the store holds
 * @param acceptedRecords records handed to the store since it started
 * @param writtenRecords records written and committed since it started
 * @param filteredRecords records left out by the address filter since it started
 * @param droppedRecords records lost since it started: queue full or write failed
 * @param queuedRecords records waiting to be written now
 * @param flushMillis the configured flush interval: at most this much accepted data is lost in a crash
 * @param lastFlushMillis when the last write committed, 0 before the first
 * @param rawRetentionDays days raw records are kept
 * @param rollupRetentionMonths months per-minute rollups are kept
 * @param lastError the last write or maintenance error, null when the last attempt succeeded
 */
public record StoreStatus(String engine, String location, long storedRecords, long oldestMillis, long newestMillis,
        long diskBytes, long acceptedRecords, long writtenRecords, long filteredRecords, long droppedRecords,
        long queuedRecords, long flushMillis, long lastFlushMillis, int rawRetentionDays, int rollupRetentionMonths,
        String lastError) {}
