package org.flowlens.store.clickhouse;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.store.sql.Column;
import org.flowlens.store.sql.Dialect;
import org.flowlens.store.sql.SqlEngine;
import org.flowlens.store.sql.StoreSql;

/**
 * ClickHouse as a flow store engine. The raw table is a MergeTree partitioned by UTC day, the
 * rollups SummingMergeTrees partitioned by UTC month that materialized views fill as records are
 * inserted; retention drops whole partitions. Only features ClickHouse 18.16 has are used, and
 * the schema is valid for current versions too. Tables are created on first contact, so the
 * store may start before the server does.
 */
final class ClickHouseEngine implements SqlEngine {
    static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyyMM").withZone(ZoneOffset.UTC);
    private static final String[] TABLES = {"flows", "rollup_protocol", "rollup_port", "rollup_host", "alerts"};

    private final ClickHouseClient client;
    private final String database;
    private final Dialect dialect;
    /** Records per chunk. */
    static final int CHUNK = 16_384;
    private final List<RowBinary.Encoded> staged = new ArrayList<>();
    private int stagedRecords;
    private volatile boolean schemaReady;

    ClickHouseEngine(ClickHouseClient client, String database) {
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("database name '" + database + "' must be letters, digits and _, not starting with a digit");
        }
        this.client = client;
        this.database = database;
        this.dialect = new Dialect() {
            @Override
            public String table(String name) {
                return database + "." + name;
            }

            @Override
            public String intDiv(String expression, long divisor) {
                return "intDiv(" + expression + ", " + divisor + ")";
            }

            @Override
            public String int64(String expression) {
                return "toInt64(" + expression + ")";
            }

            @Override
            public String float64(double value) {
                if (Double.isNaN(value)) {
                    return "nan";
                }
                if (Double.isInfinite(value)) {
                    return value > 0 ? "inf" : "-inf";
                }
                return "toFloat64(" + value + ")";
            }

            @Override
            public String text(String value) {
                return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
            }
        };
    }

    /** The statements that create the database, tables and views when missing. */
    List<String> schema() {
        String db = database;
        StringBuilder cols = new StringBuilder();
        for (Column c : Column.all()) {
            cols.append(cols.length() == 0 ? "" : ", ").append(c.sqlName()).append(' ').append(c.clickHouseType());
        }
        String byDay = "PARTITION BY toYYYYMMDD(toDateTime(intDiv(time_ms, 1000), 'UTC'))";
        String byMonth = "PARTITION BY toYYYYMM(toDateTime(intDiv(minute_ms, 1000), 'UTC'))";
        String minute = "intDiv(time_ms, " + StoreSql.MINUTE + ") * " + StoreSql.MINUTE + " AS minute_ms";
        List<String> s = new ArrayList<>();
        s.add("CREATE DATABASE IF NOT EXISTS " + db);
        s.add("CREATE TABLE IF NOT EXISTS " + db + ".flows (" + cols + ") ENGINE = MergeTree " + byDay + " ORDER BY (time_ms)");
        s.add("CREATE TABLE IF NOT EXISTS " + db + ".rollup_protocol (minute_ms Int64, protocol UInt8, bytes UInt64, packets UInt64, "
                + "flows UInt64) ENGINE = SummingMergeTree " + byMonth + " ORDER BY (minute_ms, protocol)");
        s.add("CREATE TABLE IF NOT EXISTS " + db + ".rollup_port (minute_ms Int64, protocol UInt8, port UInt16, bytes UInt64, "
                + "packets UInt64, flows UInt64) ENGINE = SummingMergeTree " + byMonth + " ORDER BY (minute_ms, protocol, port)");
        s.add("CREATE TABLE IF NOT EXISTS " + db + ".rollup_host (minute_ms Int64, addr_hi Int64, addr_lo Int64, bytes_sent UInt64, "
                + "bytes_received UInt64, packets_sent UInt64, packets_received UInt64, flows_sent UInt64, flows_received UInt64) "
                + "ENGINE = SummingMergeTree " + byMonth + " ORDER BY (minute_ms, addr_hi, addr_lo)");
        s.add("CREATE TABLE IF NOT EXISTS " + db + ".alerts (alert_id String, detector String, alert_key String, severity String, "
                + "state String, event String, event_ms Int64, seq Int64, first_ms Int64, last_ms Int64, value Float64, threshold Float64, "
                + "message String, evidence String, ack_by String, ack_note String) ENGINE = MergeTree "
                + "PARTITION BY toYYYYMM(toDateTime(intDiv(event_ms, 1000), 'UTC')) ORDER BY (event_ms, alert_id)");
        s.add("CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + ".rollup_protocol_mv TO " + db + ".rollup_protocol AS SELECT " + minute
                + ", protocol, sum(bytes) AS bytes, sum(packets) AS packets, count() AS flows FROM " + db
                + ".flows GROUP BY minute_ms, protocol");
        s.add("CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + ".rollup_port_mv TO " + db + ".rollup_port AS SELECT " + minute
                + ", protocol, " + StoreSql.SERVICE_PORT + " AS port, sum(bytes) AS bytes, sum(packets) AS packets, count() AS flows FROM "
                + db + ".flows GROUP BY minute_ms, protocol, port");
        s.add("CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + ".rollup_host_src_mv TO " + db + ".rollup_host AS SELECT " + minute
                + ", src_hi AS addr_hi, src_lo AS addr_lo, sum(bytes) AS bytes_sent, toUInt64(0) AS bytes_received, "
                + "sum(packets) AS packets_sent, toUInt64(0) AS packets_received, count() AS flows_sent, toUInt64(0) AS flows_received FROM "
                + db + ".flows GROUP BY minute_ms, addr_hi, addr_lo");
        s.add("CREATE MATERIALIZED VIEW IF NOT EXISTS " + db + ".rollup_host_dst_mv TO " + db + ".rollup_host AS SELECT " + minute
                + ", dst_hi AS addr_hi, dst_lo AS addr_lo, toUInt64(0) AS bytes_sent, sum(bytes) AS bytes_received, "
                + "toUInt64(0) AS packets_sent, sum(packets) AS packets_received, toUInt64(0) AS flows_sent, count() AS flows_received FROM "
                + db + ".flows GROUP BY minute_ms, addr_hi, addr_lo");
        return s;
    }

    /** Creates what is missing on first contact; throws while the server is unreachable. */
    private void ensureSchema() {
        if (schemaReady) {
            return;
        }
        synchronized (this) {
            if (!schemaReady) {
                for (String sql : schema()) {
                    client.execute(sql);
                }
                schemaReady = true;
            }
        }
    }

    String database() {
        return database;
    }

    @Override
    public String engine() {
        return "clickhouse";
    }

    @Override
    public String location() {
        return client.base() + " database " + database;
    }

    @Override
    public Dialect dialect() {
        return dialect;
    }

    // ---- writing (writer thread) ------------------------------------------------------------

    @Override
    public Encoder encoder() {
        RowBinary rows = new RowBinary();
        return new Encoder() {
            @Override
            public void add(FlowRecord record, long timeMillis) {
                rows.beginRow();
                Column.write(record, timeMillis, rows);
                rows.endRow();
            }

            @Override
            public int size() {
                return rows.rows();
            }

            @Override
            public boolean full() {
                return rows.rows() >= CHUNK;
            }

            @Override
            public Chunk finish() {
                return rows.finish();
            }
        };
    }

    @Override
    public void stage(Chunk chunk) {
        RowBinary.Encoded c = (RowBinary.Encoded) chunk;
        staged.add(c);
        stagedRecords += c.records();
    }

    @Override
    public int staged() {
        return stagedRecords;
    }

    @Override
    public void commit() {
        if (stagedRecords == 0) {
            return;
        }
        ensureSchema();
        List<byte[]> bodies = new ArrayList<>(staged.size());
        for (RowBinary.Encoded c : staged) {
            bodies.add(c.bytes());
        }
        client.insertRowBinary(database + ".flows", bodies);
        discard();
    }

    @Override
    public void execute(String statement) {
        ensureSchema();
        client.execute(statement);
    }

    @Override
    public void discard() {
        staged.clear();
        stagedRecords = 0;
    }

    @Override
    public long rolledUpTo() {
        // the materialized views roll every insert up as it happens
        return Long.MAX_VALUE;
    }

    @Override
    public void rollUp(long toMillis) {
        // the materialized views roll every insert up as it happens
    }

    @Override
    public void retain(long rawCutoffMillis, long rollupCutoffMillis) {
        ensureSchema();
        long rawKeep = Long.parseLong(DAY.format(Instant.ofEpochMilli(rawCutoffMillis)));
        long rollupKeep = Long.parseLong(MONTH.format(Instant.ofEpochMilli(rollupCutoffMillis)));
        List<String[]> drop = new ArrayList<>();
        client.query("SELECT DISTINCT table, partition FROM system.parts WHERE database = '" + database + "' AND active", line -> {
            TsvRow row = new TsvRow();
            row.parse(line);
            String table = row.string(0);
            String partition = row.string(1);
            long key;
            try {
                key = Long.parseLong(partition);
            } catch (NumberFormatException e) {
                return;
            }
            boolean raw = "flows".equals(table);
            // alerts are kept as long as the rollups, in month partitions too
            boolean rollup = table != null && (table.startsWith("rollup_") && !table.endsWith("_mv") || table.equals("alerts"));
            if ((raw && key < rawKeep) || (rollup && key < rollupKeep)) {
                drop.add(new String[] {table, partition});
            }
        });
        for (String[] d : drop) {
            client.execute("ALTER TABLE " + database + "." + d[0] + " DROP PARTITION " + Long.parseLong(d[1]));
        }
    }

    // ---- reading (any thread) ---------------------------------------------------------------

    @Override
    public <T> T read(ReadWork<T> work) {
        ensureSchema();
        return work.run((sql, handler) -> {
            TsvRow row = new TsvRow();
            client.query(sql, line -> {
                row.parse(line);
                handler.row(row);
            });
        });
    }

    @Override
    public long diskBytes() {
        ensureSchema();
        long[] bytes = new long[1];
        StringBuilder tables = new StringBuilder();
        for (String t : TABLES) {
            tables.append(tables.length() == 0 ? "'" : ", '").append(t).append('\'');
        }
        client.query("SELECT toInt64(sum(bytes_on_disk)) FROM system.parts WHERE database = '" + database + "' AND active AND table IN ("
                + tables + ")", line -> {
                    TsvRow row = new TsvRow();
                    row.parse(line);
                    bytes[0] = row.int64(0);
                });
        return bytes[0];
    }

    @Override
    public void close() {
        discard();
    }
}
