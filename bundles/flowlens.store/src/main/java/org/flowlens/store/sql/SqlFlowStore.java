package org.flowlens.store.sql;

import static org.flowlens.store.sql.StoreSql.MINUTE;
import static org.flowlens.store.sql.StoreSql.literal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.Point;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.store.AlertPage;
import org.flowlens.api.store.AlertSearch;
import org.flowlens.api.store.FlowPage;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.FlowStore;
import org.flowlens.api.store.Series;
import org.flowlens.api.store.StoreStatus;
import org.flowlens.api.store.TopTalkers;
import org.osgi.service.event.Event;

/**
 * A {@link FlowStore} over any {@link SqlEngine}: a {@link FlowWriter} feeds the engine, and the
 * queries are built here in the SQL every engine shares. Top talkers and series read whole
 * minutes the engine has rolled up from the rollup tables and everything else from the raw table.
 */
public final class SqlFlowStore implements FlowStore {
    private final FlowWriter writer;
    private final LongSupplier clock;

    /** Starts the writer. */
    public SqlFlowStore(String name, SqlEngine engine, StoreSettings settings, Metrics metrics, LongSupplier clock) {
        this.clock = clock;
        this.writer = new FlowWriter(name, engine, settings, metrics, clock);
    }

    /** Queues a batch for writing; never blocks. */
    public void accept(FlowBatch batch) {
        writer.accept(batch);
    }

    public FlowWriter writer() {
        return writer;
    }

    public SqlEngine engine() {
        return writer.engine();
    }

    public void configure(StoreSettings settings) {
        writer.configure(settings);
    }

    /**
     * Switches to another engine after committing what is staged; returns the old engine for the
     * caller to close.
     *
     * @throws StoreException when the writer did not switch within the time given
     */
    public SqlEngine replaceEngine(SqlEngine next, long waitMillis) {
        try {
            return writer.replace(next).get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while switching engines");
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreException("switching engines failed: " + e, e);
        }
    }

    /** Writes what is queued and stops the writer; the engine stays open. */
    public void close(long waitMillis) {
        writer.close(waitMillis);
    }

    // ---- alerts -------------------------------------------------------------------------------

    /**
     * Queues an Event Admin alert event to be written with the next flush; never blocks. Events
     * that are not alert events are ignored.
     *
     * @return true when queued
     */
    public boolean acceptAlert(Event event) {
        StoredAlert a = StoredAlert.of(event, writer.nextAlertSequence());
        return a != null && writer.acceptAlert(a);
    }

    @Override
    public AlertPage alerts(AlertSearch s) {
        Objects.requireNonNull(s, "search");
        SqlEngine e = writer.engine();
        Dialect d = e.dialect();
        String table = d.table("alerts");
        String where = AlertSql.where(d, s);
        String count = "SELECT " + d.int64("count(DISTINCT alert_id)") + " FROM " + table + " WHERE " + where;
        String page = "SELECT alert_id, max(event_ms) AS latest FROM " + table + " WHERE " + where
                + " GROUP BY alert_id ORDER BY latest DESC, alert_id LIMIT " + s.limit() + " OFFSET " + s.offset();
        return e.read(reads -> {
            long[] total = new long[1];
            reads.query(count, row -> total[0] = row.int64(0));
            List<String> ids = new ArrayList<>();
            if (s.offset() < total[0]) {
                reads.query(page, row -> ids.add(row.string(0)));
            }
            Map<String, AlertSql.Folder> folders = new HashMap<>();
            if (!ids.isEmpty()) {
                reads.query(AlertSql.events(d, ids), row -> folders.computeIfAbsent(row.string(0), k -> new AlertSql.Folder()).add(row));
            }
            List<AlertEntry> out = new ArrayList<>(ids.size());
            for (String id : ids) {
                AlertSql.Folder f = folders.get(id);
                if (f != null) {
                    out.add(f.entry());
                }
            }
            return new AlertPage(s, total[0], out, clock.getAsLong());
        });
    }

    // ---- log search ---------------------------------------------------------------------------

    @Override
    public FlowPage search(FlowSearch s) {
        Objects.requireNonNull(s, "search");
        SqlEngine e = writer.engine();
        String flows = e.dialect().table("flows");
        StringBuilder where = new StringBuilder(256);
        where.append("time_ms >= ").append(literal(s.fromMillis())).append(" AND time_ms < ").append(literal(s.toMillis()));
        if (s.srcAddress() != null) {
            where.append(" AND ").append(StoreSql.addressCondition("src", s.srcAddress()));
        }
        if (s.dstAddress() != null) {
            where.append(" AND ").append(StoreSql.addressCondition("dst", s.dstAddress()));
        }
        if (s.address() != null) {
            where.append(" AND (").append(StoreSql.addressCondition("src", s.address())).append(" OR ")
                    .append(StoreSql.addressCondition("dst", s.address())).append(')');
        }
        if (s.exporter() != null) {
            where.append(" AND ").append(StoreSql.addressCondition("exporter", s.exporter()));
        }
        if (s.srcPort() != FlowSearch.ANY) {
            where.append(" AND src_port = ").append(s.srcPort());
        }
        if (s.dstPort() != FlowSearch.ANY) {
            where.append(" AND dst_port = ").append(s.dstPort());
        }
        if (s.port() != FlowSearch.ANY) {
            where.append(" AND (src_port = ").append(s.port()).append(" OR dst_port = ").append(s.port()).append(')');
        }
        if (s.protocol() != FlowSearch.ANY) {
            where.append(" AND protocol = ").append(s.protocol());
        }
        String tieBreak = "src_hi, src_lo, dst_hi, dst_lo, src_port, dst_port, protocol, exporter_hi, exporter_lo, bytes DESC, packets DESC";
        String order = switch (s.order()) {
            case NEWEST_FIRST -> "time_ms DESC, received_ms DESC, " + tieBreak;
            case OLDEST_FIRST -> "time_ms, received_ms, " + tieBreak;
            case BYTES -> "bytes DESC, time_ms DESC, received_ms DESC, " + tieBreak;
        };
        String count = "SELECT count(*) FROM " + flows + " WHERE " + where;
        String page = e.dialect().flowPage(where.toString(), order, s.limit(), s.offset());
        return e.read(reads -> {
            long[] total = new long[1];
            reads.query(count, row -> total[0] = row.int64(0));
            List<FlowRecord> out = new ArrayList<>();
            if (s.offset() < total[0]) {
                reads.query(page, row -> out.add(Column.read(row, 0)));
            }
            return new FlowPage(s, total[0], out, clock.getAsLong());
        });
    }

    // ---- top talkers --------------------------------------------------------------------------

    @Override
    public TopTalkers topTalkers(long fromMillis, long toMillis, Metric order, int limit) {
        checkRange(fromMillis, toMillis);
        checkLimit(limit);
        Objects.requireNonNull(order, "order");
        SqlEngine e = writer.engine();
        Dialect d = e.dialect();
        Split sp = Split.of(fromMillis, toMillis, e.rolledUpTo());
        List<String> parts = new ArrayList<>(3);
        if (sp.rollup()) {
            parts.add("SELECT addr_hi AS hi, addr_lo AS lo, bytes_sent AS bs, bytes_received AS br, packets_sent AS ps, "
                    + "packets_received AS pr, flows_sent AS fs, flows_received AS fr FROM " + d.table("rollup_host")
                    + " WHERE minute_ms >= " + literal(sp.rollupFrom()) + " AND minute_ms < " + literal(sp.rollupTo()));
        }
        // one SELECT per raw range: a plain range lets the engine skip the blocks outside it
        for (String rawWhere : sp.rawWheres()) {
            parts.add("SELECT src_hi AS hi, src_lo AS lo, bytes AS bs, 0 AS br, packets AS ps, 0 AS pr, 1 AS fs, 0 AS fr FROM "
                    + d.table("flows") + " WHERE " + rawWhere);
            parts.add("SELECT dst_hi AS hi, dst_lo AS lo, 0 AS bs, bytes AS br, 0 AS ps, packets AS pr, 0 AS fs, 1 AS fr FROM "
                    + d.table("flows") + " WHERE " + rawWhere);
        }
        String metric = switch (order) {
            case BYTES -> "sum(bs) + sum(br)";
            case PACKETS -> "sum(ps) + sum(pr)";
            case FLOWS -> "sum(fs) + sum(fr)";
        };
        String top = "SELECT hi, lo, " + d.int64("sum(bs)") + ", " + d.int64("sum(br)") + ", " + d.int64("sum(ps)") + ", "
                + d.int64("sum(pr)") + ", " + d.int64("sum(fs)") + ", " + d.int64("sum(fr)") + " FROM ("
                + String.join(" UNION ALL ", parts) + ") AS u GROUP BY hi, lo ORDER BY " + metric + " DESC, hi, lo LIMIT " + limit;
        String totals = "SELECT " + d.int64("sum(b)") + ", " + d.int64("sum(p)") + ", " + d.int64("sum(f)") + " FROM ("
                + seriesSource(Series.Dimension.PROTOCOL, sp, d) + ") AS u";
        return e.read(reads -> {
            List<TopTalkers.Talker> talkers = new ArrayList<>();
            reads.query(top, row -> talkers.add(new TopTalkers.Talker(IpAddresses.format(row.int64(0), row.int64(1)),
                    row.int64(2), row.int64(3), row.int64(4), row.int64(5), row.int64(6), row.int64(7))));
            long[] t = new long[3];
            reads.query(totals, row -> {
                t[0] = row.int64(0);
                t[1] = row.int64(1);
                t[2] = row.int64(2);
            });
            return new TopTalkers(fromMillis, toMillis, order, t[0], t[1], t[2], talkers, clock.getAsLong());
        });
    }

    // ---- series -------------------------------------------------------------------------------

    @Override
    public Series protocolSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
        return series(Series.Dimension.PROTOCOL, fromMillis, toMillis, stepMillis, order, limit);
    }

    @Override
    public Series portSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
        return series(Series.Dimension.PORT, fromMillis, toMillis, stepMillis, order, limit);
    }

    private Series series(Series.Dimension dim, long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
        checkRange(fromMillis, toMillis);
        checkLimit(limit);
        Objects.requireNonNull(order, "order");
        if (stepMillis <= 0) {
            throw new IllegalArgumentException("step must be positive, got " + stepMillis);
        }
        long step = StoreSql.ceilTo(Math.max(stepMillis, MINUTE), MINUTE);
        long from = StoreSql.floorTo(fromMillis, step);
        long to = StoreSql.ceilTo(toMillis, step);
        long points = (to - from) / step;
        if (points > MAX_POINTS) {
            throw new IllegalArgumentException("a series of " + points + " points is too long: at most " + MAX_POINTS
                    + "; ask for a larger step");
        }
        int n = (int) points;
        SqlEngine e = writer.engine();
        Dialect d = e.dialect();
        String source = seriesSource(dim, Split.of(from, to, e.rolledUpTo()), d);
        String metric = switch (order) {
            case BYTES -> "sum(b)";
            case PACKETS -> "sum(p)";
            case FLOWS -> "sum(f)";
        };
        String topKeys = "SELECT k, " + d.int64("sum(b)") + ", " + d.int64("sum(p)") + ", " + d.int64("sum(f)") + " FROM ("
                + source + ") AS u GROUP BY k ORDER BY " + metric + " DESC, k LIMIT " + limit;
        return e.read(reads -> {
            List<long[]> keys = new ArrayList<>();
            reads.query(topKeys, row -> keys.add(new long[] {row.int64(0), row.int64(1), row.int64(2), row.int64(3)}));
            long[][] total = new long[n][3];
            long[][][] lines = new long[keys.size()][n][3];
            long[][] other = new long[n][3];
            boolean[] otherSeen = new boolean[1];
            if (!keys.isEmpty()) {
                Map<Long, Integer> index = new HashMap<>();
                StringBuilder in = new StringBuilder();
                for (int i = 0; i < keys.size(); i++) {
                    index.put(keys.get(i)[0], i);
                    in.append(i == 0 ? "" : ", ").append(literal(keys.get(i)[0]));
                }
                String steps = "SELECT " + d.intDiv("m", step) + " * " + step + " AS ts, CASE WHEN k IN (" + in
                        + ") THEN k ELSE -1 END AS kk, " + d.int64("sum(b)") + ", " + d.int64("sum(p)") + ", " + d.int64("sum(f)")
                        + " FROM (" + source + ") AS u GROUP BY ts, kk";
                reads.query(steps, row -> {
                    long ts = row.int64(0);
                    long kk = row.int64(1);
                    int p = (int) ((ts - from) / step);
                    if (p < 0 || p >= n) {
                        return;
                    }
                    long[] v = {row.int64(2), row.int64(3), row.int64(4)};
                    add(total[p], v);
                    Integer li = kk == -1 ? null : index.get(kk);
                    if (li == null) {
                        add(other[p], v);
                        otherSeen[0] = true;
                    } else {
                        add(lines[li][p], v);
                    }
                });
            }
            List<Series.Line> out = new ArrayList<>(keys.size() + 1);
            for (int i = 0; i < keys.size(); i++) {
                long[] k = keys.get(i);
                int protocol = dim == Series.Dimension.PORT ? (int) (k[0] >>> 16) : (int) k[0];
                int port = dim == Series.Dimension.PORT ? (int) (k[0] & 0xFFFF) : -1;
                String label = dim == Series.Dimension.PORT ? port + "/" + Protocols.name(protocol) : Protocols.name(protocol);
                out.add(new Series.Line(label, protocol, port, k[1], k[2], k[3], points(lines[i], from, step)));
            }
            if (otherSeen[0]) {
                long[] sum = new long[3];
                for (long[] v : other) {
                    add(sum, v);
                }
                out.add(new Series.Line(Series.Line.OTHER, -1, -1, sum[0], sum[1], sum[2], points(other, from, step)));
            }
            return new Series(dim, from, to, step, order, points(total, from, step), out, clock.getAsLong());
        });
    }

    /** Rows of (m, k, b, p, f): minute, group key, bytes, packets, flows. */
    private static String seriesSource(Series.Dimension dim, Split sp, Dialect d) {
        List<String> parts = new ArrayList<>(2);
        if (sp.rollup()) {
            String key = dim == Series.Dimension.PORT ? "protocol * 65536 + port" : "protocol";
            String table = dim == Series.Dimension.PORT ? "rollup_port" : "rollup_protocol";
            parts.add("SELECT minute_ms AS m, " + d.int64(key) + " AS k, bytes AS b, packets AS p, flows AS f FROM "
                    + d.table(table) + " WHERE minute_ms >= " + literal(sp.rollupFrom()) + " AND minute_ms < " + literal(sp.rollupTo()));
        }
        String key = dim == Series.Dimension.PORT ? "protocol * 65536 + " + StoreSql.SERVICE_PORT : "protocol";
        for (String rawWhere : sp.rawWheres()) {
            parts.add("SELECT " + d.intDiv("time_ms", MINUTE) + " * " + MINUTE + " AS m, " + d.int64(key)
                    + " AS k, bytes AS b, packets AS p, 1 AS f FROM " + d.table("flows") + " WHERE " + rawWhere);
        }
        return String.join(" UNION ALL ", parts);
    }

    private static void add(long[] into, long[] v) {
        into[0] += v[0];
        into[1] += v[1];
        into[2] += v[2];
    }

    private static List<Point> points(long[][] values, long from, long step) {
        List<Point> out = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            long f = from + i * step;
            out.add(new Point(f, f + step, values[i][0], values[i][1], values[i][2]));
        }
        return out;
    }

    private static void checkRange(long from, long to) {
        if (from >= to) {
            throw new IllegalArgumentException("the range must end after it starts: from " + from + " to " + to);
        }
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MAX_GROUPS) {
            throw new IllegalArgumentException("limit must be 1-" + MAX_GROUPS + ", got " + limit);
        }
    }

    // ---- status -------------------------------------------------------------------------------

    @Override
    public StoreStatus status() {
        SqlEngine e = writer.engine();
        StoreSettings s = writer.settings();
        long[] held = {-1, 0, 0};
        long disk = -1;
        String error = writer.lastError();
        try {
            e.read(reads -> {
                reads.query("SELECT count(*), min(time_ms), max(time_ms) FROM " + e.dialect().table("flows"), row -> {
                    held[0] = row.int64(0);
                    held[1] = held[0] == 0 ? 0 : row.int64(1);
                    held[2] = held[0] == 0 ? 0 : row.int64(2);
                });
                return null;
            });
            disk = e.diskBytes();
        } catch (StoreException ex) {
            error = ex.getMessage();
        }
        return new StoreStatus(e.engine(), e.location(), held[0], held[1], held[2], disk, writer.accepted(), writer.written(),
                writer.filtered(), writer.dropped(), writer.queued(), s.flushMillis(), writer.lastCommitMillis(),
                s.rawRetentionDays(), s.rollupRetentionMonths(), error);
    }

    /**
     * How a range is answered: whole minutes below the engine's rollup mark from the rollups,
     * the rest from raw records.
     */
    record Split(long rollupFrom, long rollupTo, List<long[]> raw) {
        static Split of(long from, long to, long rolledUpTo) {
            long a = StoreSql.ceilMinute(from);
            long b = Math.min(StoreSql.floorMinute(to), StoreSql.floorMinute(rolledUpTo));
            List<long[]> raw = new ArrayList<>(2);
            if (a < b) {
                if (from < a) {
                    raw.add(new long[] {from, a});
                }
                if (b < to) {
                    raw.add(new long[] {b, to});
                }
                return new Split(a, b, raw);
            }
            raw.add(new long[] {from, to});
            return new Split(0, 0, raw);
        }

        boolean rollup() {
            return rollupFrom < rollupTo;
        }

        /** One condition per raw range. */
        List<String> rawWheres() {
            List<String> out = new ArrayList<>(raw.size());
            for (long[] r : raw) {
                out.add("time_ms >= " + literal(r[0]) + " AND time_ms < " + literal(r[1]));
            }
            return out;
        }
    }
}
