package org.flowlens.store.sql;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import org.flowlens.api.flow.Cidr;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.Point;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.Series;
import org.flowlens.api.store.TopTalkers;

/** The answers a store must give, computed from the records in plain Java. */
public final class Reference {
    private Reference() {}

    public static Predicate<FlowRecord> matches(FlowSearch s) {
        Cidr src = s.srcAddress() == null ? null : Cidr.parse(s.srcAddress());
        Cidr dst = s.dstAddress() == null ? null : Cidr.parse(s.dstAddress());
        Cidr any = s.address() == null ? null : Cidr.parse(s.address());
        Cidr exp = s.exporter() == null ? null : Cidr.parse(s.exporter());
        return r -> r.receivedMillis() >= s.fromMillis() && r.receivedMillis() < s.toMillis()
                && (src == null || src.contains(r.srcHi(), r.srcLo()))
                && (dst == null || dst.contains(r.dstHi(), r.dstLo()))
                && (any == null || any.contains(r.srcHi(), r.srcLo()) || any.contains(r.dstHi(), r.dstLo()))
                && (exp == null || exp.contains(r.exporterHi(), r.exporterLo()))
                && (s.srcPort() == FlowSearch.ANY || r.srcPort() == s.srcPort())
                && (s.dstPort() == FlowSearch.ANY || r.dstPort() == s.dstPort())
                && (s.port() == FlowSearch.ANY || r.srcPort() == s.port() || r.dstPort() == s.port())
                && (s.protocol() == FlowSearch.ANY || r.protocol() == s.protocol());
    }

    /** The matches in the order of the search, as record numbers. */
    public static List<Long> ids(List<FlowRecord> records, FlowSearch s) {
        Comparator<FlowRecord> tie = Comparator.<FlowRecord>comparingLong(r -> r.srcHi()).thenComparingLong(FlowRecord::srcLo)
                .thenComparingLong(FlowRecord::dstHi).thenComparingLong(FlowRecord::dstLo).thenComparingInt(FlowRecord::srcPort)
                .thenComparingInt(FlowRecord::dstPort).thenComparingInt(FlowRecord::protocol)
                .thenComparingLong(FlowRecord::exporterHi).thenComparingLong(FlowRecord::exporterLo)
                .thenComparing(Comparator.<FlowRecord>comparingLong(r -> r.bytes()).reversed())
                .thenComparing(Comparator.<FlowRecord>comparingLong(r -> r.packets()).reversed());
        Comparator<FlowRecord> newest = Comparator.<FlowRecord>comparingLong(r -> r.receivedMillis()).reversed();
        Comparator<FlowRecord> order = switch (s.order()) {
            case NEWEST_FIRST -> newest.thenComparing(tie);
            case OLDEST_FIRST -> Comparator.<FlowRecord>comparingLong(r -> r.receivedMillis()).thenComparing(tie);
            case BYTES -> Comparator.<FlowRecord>comparingLong(r -> r.bytes()).reversed().thenComparing(newest).thenComparing(tie);
        };
        return records.stream().filter(matches(s)).sorted(order).map(FlowRecord::observationDomain).toList();
    }

    public static boolean inRange(FlowRecord r, long from, long to) {
        return r.receivedMillis() >= from && r.receivedMillis() < to;
    }

    public static TopTalkers topTalkers(List<FlowRecord> records, long from, long to, Metric order, int limit) {
        Map<List<Long>, long[]> hosts = new HashMap<>();
        long[] total = new long[3];
        for (FlowRecord r : records) {
            if (!inRange(r, from, to)) {
                continue;
            }
            long[] s = hosts.computeIfAbsent(List.of(r.srcHi(), r.srcLo()), k -> new long[6]);
            s[0] += r.bytes();
            s[2] += r.packets();
            s[4]++;
            long[] d = hosts.computeIfAbsent(List.of(r.dstHi(), r.dstLo()), k -> new long[6]);
            d[1] += r.bytes();
            d[3] += r.packets();
            d[5]++;
            total[0] += r.bytes();
            total[1] += r.packets();
            total[2]++;
        }
        List<Map.Entry<List<Long>, long[]>> sorted = new ArrayList<>(hosts.entrySet());
        sorted.sort(Comparator.<Map.Entry<List<Long>, long[]>>comparingLong(e -> -metric(order, e.getValue()))
                .thenComparingLong(e -> e.getKey().get(0)).thenComparingLong(e -> e.getKey().get(1)));
        List<TopTalkers.Talker> out = new ArrayList<>();
        for (Map.Entry<List<Long>, long[]> e : sorted.subList(0, Math.min(limit, sorted.size()))) {
            long[] v = e.getValue();
            out.add(new TopTalkers.Talker(IpAddresses.format(e.getKey().get(0), e.getKey().get(1)), v[0], v[1], v[2], v[3], v[4], v[5]));
        }
        return new TopTalkers(from, to, order, total[0], total[1], total[2], out, 0);
    }

    private static long metric(Metric m, long[] v) {
        return switch (m) {
            case BYTES -> v[0] + v[1];
            case PACKETS -> v[2] + v[3];
            case FLOWS -> v[4] + v[5];
        };
    }

    public static int servicePort(FlowRecord r) {
        int p = r.protocol();
        if (p != 6 && p != 17 && p != 132) {
            return 0;
        }
        return r.srcPort() != 0 && r.srcPort() < r.dstPort() ? r.srcPort() : r.dstPort();
    }

    public static Series series(List<FlowRecord> records, Series.Dimension dim, long fromMillis, long toMillis, long stepMillis,
            Metric order, int limit) {
        long step = Math.max(60_000, -Math.floorDiv(-stepMillis, 60_000) * 60_000);
        long from = Math.floorDiv(fromMillis, step) * step;
        long to = -Math.floorDiv(-toMillis, step) * step;
        int n = (int) ((to - from) / step);
        Map<Long, long[][]> byKey = new TreeMap<>();
        long[][] total = new long[n][3];
        for (FlowRecord r : records) {
            if (!inRange(r, from, to)) {
                continue;
            }
            long key = dim == Series.Dimension.PORT ? ((long) r.protocol() << 16) + servicePort(r) : r.protocol();
            int i = (int) ((r.receivedMillis() - from) / step);
            long[][] line = byKey.computeIfAbsent(key, k -> new long[n][3]);
            for (long[][] a : List.of(line, total)) {
                a[i][0] += r.bytes();
                a[i][1] += r.packets();
                a[i][2]++;
            }
        }
        List<Map.Entry<Long, long[][]>> sorted = new ArrayList<>(byKey.entrySet());
        sorted.sort(Comparator.<Map.Entry<Long, long[][]>>comparingLong(e -> -sum(e.getValue())[order.ordinal()])
                .thenComparingLong(Map.Entry::getKey));
        List<Series.Line> lines = new ArrayList<>();
        long[][] other = new long[n][3];
        boolean hasOther = false;
        for (int k = 0; k < sorted.size(); k++) {
            Map.Entry<Long, long[][]> e = sorted.get(k);
            if (k < limit) {
                long key = e.getKey();
                int protocol = dim == Series.Dimension.PORT ? (int) (key >>> 16) : (int) key;
                int port = dim == Series.Dimension.PORT ? (int) (key & 0xFFFF) : -1;
                String label = dim == Series.Dimension.PORT ? port + "/" + Protocols.name(protocol) : Protocols.name(protocol);
                long[] s = sum(e.getValue());
                lines.add(new Series.Line(label, protocol, port, s[0], s[1], s[2], points(e.getValue(), from, step)));
            } else {
                hasOther = true;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < 3; j++) {
                        other[i][j] += e.getValue()[i][j];
                    }
                }
            }
        }
        if (hasOther) {
            long[] s = sum(other);
            lines.add(new Series.Line(Series.Line.OTHER, -1, -1, s[0], s[1], s[2], points(other, from, step)));
        }
        return new Series(dim, from, to, step, order, points(total, from, step), lines, 0);
    }

    private static long[] sum(long[][] v) {
        long[] s = new long[3];
        for (long[] p : v) {
            s[0] += p[0];
            s[1] += p[1];
            s[2] += p[2];
        }
        return s;
    }

    private static List<Point> points(long[][] v, long from, long step) {
        List<Point> out = new ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            out.add(new Point(from + i * step, from + (i + 1) * step, v[i][0], v[i][1], v[i][2]));
        }
        return out;
    }
}
