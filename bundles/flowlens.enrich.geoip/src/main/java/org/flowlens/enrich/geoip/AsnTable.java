package org.flowlens.enrich.geoip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import org.flowlens.api.flow.IpAddresses;

/**
 * Address ranges to AS number and organisation, flattened into sorted, disjoint primitive arrays
 * searched by binary search: IPv4 in int arrays (one 4-byte start, end, AS and name index per
 * range), IPv6 in long pairs. Immutable once built; safe for any number of readers.
 *
 * <p>Where source ranges overlap, the range that starts later wins inside its span (for nested
 * ranges: the more specific one) and the earlier range resumes after it; of two ranges that start
 * together, the shorter wins, and of identical ones, the one added last.
 */
final class AsnTable {
    // IPv4: starts and ends with the sign bit flipped, so that signed comparison is unsigned order
    private final int[] v4Start, v4End, v4As, v4Name;
    private final long[] v6StartHi, v6StartLo, v6EndHi, v6EndLo;
    private final int[] v6As, v6Name;
    private final String[] names;
    // AS number (unsigned, as int) to the index of its organisation, sorted by unsigned number
    private final int[] byNumber, byNumberName;

    private AsnTable(int[] v4Start, int[] v4End, int[] v4As, int[] v4Name, long[] v6StartHi, long[] v6StartLo,
            long[] v6EndHi, long[] v6EndLo, int[] v6As, int[] v6Name, String[] names, int[] byNumber, int[] byNumberName) {
        this.v4Start = v4Start;
        this.v4End = v4End;
        this.v4As = v4As;
        this.v4Name = v4Name;
        this.v6StartHi = v6StartHi;
        this.v6StartLo = v6StartLo;
        this.v6EndHi = v6EndHi;
        this.v6EndLo = v6EndLo;
        this.v6As = v6As;
        this.v6Name = v6Name;
        this.names = names;
        this.byNumber = byNumber;
        this.byNumberName = byNumberName;
    }

    int v4Ranges() {
        return v4Start.length;
    }

    int v6Ranges() {
        return v6StartHi.length;
    }

    /** Index of the range holding the address, or -1; IPv6 indexes are offset by {@link #v4Ranges()}. */
    int find(long hi, long lo) {
        if (IpAddresses.isV4(hi, lo)) {
            int key = ((int) lo) ^ Integer.MIN_VALUE;
            int[] starts = v4Start;
            int low = 0, high = starts.length - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                if (starts[mid] <= key) {
                    low = mid + 1;
                } else {
                    high = mid - 1;
                }
            }
            return high >= 0 && key <= v4End[high] ? high : -1;
        }
        long[] sh = v6StartHi, sl = v6StartLo;
        int low = 0, high = sh.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (compare(sh[mid], sl[mid], hi, lo) <= 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return high >= 0 && compare(hi, lo, v6EndHi[high], v6EndLo[high]) <= 0 ? v4Start.length + high : -1;
    }

    /** AS number of a range {@link #find} returned. */
    long asn(int range) {
        int n = v4Start.length;
        return Integer.toUnsignedLong(range < n ? v4As[range] : v6As[range - n]);
    }

    /** Organisation of a range {@link #find} returned (a shared instance), or null. */
    String name(int range) {
        int n = v4Start.length;
        int i = range < n ? v4Name[range] : v6Name[range - n];
        return i < 0 ? null : names[i];
    }

    /** The organisation of an AS number as the table names it, or null. */
    String nameOf(long asn) {
        if (asn <= 0 || asn > 0xFFFF_FFFFL) {
            return null;
        }
        int key = (int) asn ^ Integer.MIN_VALUE;
        int low = 0, high = byNumber.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int v = byNumber[mid];
            if (v < key) {
                low = mid + 1;
            } else if (v > key) {
                high = mid - 1;
            } else {
                int i = byNumberName[mid];
                return i < 0 ? null : names[i];
            }
        }
        return null;
    }

    static int compare(long hi1, long lo1, long hi2, long lo2) {
        int c = Long.compareUnsigned(hi1, hi2);
        return c != 0 ? c : Long.compareUnsigned(lo1, lo2);
    }

    /** Collects ranges (in any order, overlapping or not), then builds the table. Not thread-safe. */
    static final class Builder {
        private static final class Range {
            long startHi, startLo;
            final long endHi, endLo;
            final int as, name;
            final int order;

            Range(long startHi, long startLo, long endHi, long endLo, int as, int name, int order) {
                this.startHi = startHi;
                this.startLo = startLo;
                this.endHi = endHi;
                this.endLo = endLo;
                this.as = as;
                this.name = name;
                this.order = order;
            }

            boolean v4() {
                return IpAddresses.isV4(startHi, startLo) && IpAddresses.isV4(endHi, endLo);
            }
        }

        private final List<Range> ranges = new ArrayList<>();
        private final Map<String, Integer> nameIndex = new HashMap<>();
        private final List<String> names = new ArrayList<>();

        int size() {
            return ranges.size();
        }

        /**
         * Adds a range, both ends inclusive, IPv4 as IPv4-mapped. A range whose start is after its
         * end, or that mixes IPv4 and IPv6, is refused.
         *
         * @return false when refused
         */
        boolean add(long startHi, long startLo, long endHi, long endLo, long asn, String organisation) {
            if (compare(startHi, startLo, endHi, endLo) > 0 || asn < 0 || asn > 0xFFFF_FFFFL
                    || IpAddresses.isV4(startHi, startLo) != IpAddresses.isV4(endHi, endLo)) {
                return false;
            }
            int name = -1;
            if (organisation != null && !organisation.isEmpty()) {
                Integer i = nameIndex.get(organisation);
                if (i == null) {
                    i = names.size();
                    names.add(organisation.intern());
                    nameIndex.put(organisation, i);
                }
                name = i;
            }
            ranges.add(new Range(startHi, startLo, endHi, endLo, (int) asn, name, ranges.size()));
            return true;
        }

        AsnTable build() {
            List<Range> flat = flatten(ranges);
            List<Range> v4 = new ArrayList<>(), v6 = new ArrayList<>();
            for (Range r : flat) {
                (r.v4() ? v4 : v6).add(r);
            }
            int n4 = v4.size(), n6 = v6.size();
            int[] s4 = new int[n4], e4 = new int[n4], a4 = new int[n4], nm4 = new int[n4];
            for (int i = 0; i < n4; i++) {
                Range r = v4.get(i);
                s4[i] = ((int) r.startLo) ^ Integer.MIN_VALUE;
                e4[i] = ((int) r.endLo) ^ Integer.MIN_VALUE;
                a4[i] = r.as;
                nm4[i] = r.name;
            }
            long[] sh = new long[n6], sl = new long[n6], eh = new long[n6], el = new long[n6];
            int[] a6 = new int[n6], nm6 = new int[n6];
            for (int i = 0; i < n6; i++) {
                Range r = v6.get(i);
                sh[i] = r.startHi;
                sl[i] = r.startLo;
                eh[i] = r.endHi;
                el[i] = r.endLo;
                a6[i] = r.as;
                nm6[i] = r.name;
            }
            // AS number to name: the first name seen for each number, in input order
            Map<Integer, Integer> first = new HashMap<>();
            for (Range r : ranges) {
                if (r.as != 0 && r.name >= 0) {
                    first.putIfAbsent(r.as, r.name);
                }
            }
            long[] pairs = new long[first.size()];
            int k = 0;
            for (Map.Entry<Integer, Integer> e : first.entrySet()) {
                pairs[k++] = ((long) (e.getKey() ^ Integer.MIN_VALUE) << 32) | (e.getValue() & 0xFFFF_FFFFL);
            }
            Arrays.sort(pairs);
            int[] numbers = new int[pairs.length], numberNames = new int[pairs.length];
            for (int i = 0; i < pairs.length; i++) {
                numbers[i] = (int) (pairs[i] >> 32);
                numberNames[i] = (int) pairs[i];
            }
            return new AsnTable(s4, e4, a4, nm4, sh, sl, eh, el, a6, nm6, names.toArray(new String[0]), numbers, numberNames);
        }

        /** Sorted, disjoint ranges; adjacent ranges of the same AS and name are merged. */
        private static List<Range> flatten(List<Range> input) {
            Range[] sorted = input.toArray(new Range[0]);
            Arrays.sort(sorted, (a, b) -> {
                int c = compare(a.startHi, a.startLo, b.startHi, b.startLo);
                if (c != 0) {
                    return c;
                }
                c = compare(b.endHi, b.endLo, a.endHi, a.endLo); // longer first: the shorter then wins
                return c != 0 ? c : Integer.compare(a.order, b.order);
            });
            // remainders of ranges interrupted by a later-starting one, resumed once that one ends
            PriorityQueue<Range> pending = new PriorityQueue<>((a, b) -> compare(a.startHi, a.startLo, b.startHi, b.startLo));
            ArrayList<Range> out = new ArrayList<>(sorted.length);
            int i = 0;
            while (i < sorted.length || !pending.isEmpty()) {
                Range r;
                boolean resumed;
                if (!pending.isEmpty() && (i == sorted.length
                        || compare(pending.peek().startHi, pending.peek().startLo, sorted[i].startHi, sorted[i].startLo) <= 0)) {
                    r = pending.poll();
                    resumed = true;
                } else {
                    r = sorted[i++];
                    resumed = false;
                }
                if (resumed) {
                    // a resumed remainder yields to whatever was placed since it was interrupted
                    if (!out.isEmpty()) {
                        Range last = out.get(out.size() - 1);
                        if (compare(last.endHi, last.endLo, r.startHi, r.startLo) >= 0) {
                            if (compare(last.endHi, last.endLo, r.endHi, r.endLo) >= 0) {
                                continue;
                            }
                            long[] next = increment(last.endHi, last.endLo);
                            r.startHi = next[0];
                            r.startLo = next[1];
                        }
                    }
                    append(out, r);
                    continue;
                }
                while (!out.isEmpty()) {
                    Range last = out.get(out.size() - 1);
                    if (compare(last.endHi, last.endLo, r.startHi, r.startLo) < 0) {
                        break;
                    }
                    out.remove(out.size() - 1);
                    if (compare(last.endHi, last.endLo, r.endHi, r.endLo) > 0) {
                        long[] after = increment(r.endHi, r.endLo);
                        pending.add(new Range(after[0], after[1], last.endHi, last.endLo, last.as, last.name, last.order));
                    }
                    if (compare(last.startHi, last.startLo, r.startHi, r.startLo) < 0) {
                        long[] before = decrement(r.startHi, r.startLo);
                        out.add(new Range(last.startHi, last.startLo, before[0], before[1], last.as, last.name, last.order));
                        break;
                    }
                }
                append(out, r);
            }
            return out;
        }

        private static void append(ArrayList<Range> out, Range r) {
            if (!out.isEmpty()) {
                Range last = out.get(out.size() - 1);
                long[] next = increment(last.endHi, last.endLo);
                if (last.as == r.as && last.name == r.name && next[0] == r.startHi && next[1] == r.startLo
                        && last.v4() == r.v4()) {
                    out.set(out.size() - 1, new Range(last.startHi, last.startLo, r.endHi, r.endLo, r.as, r.name, r.order));
                    return;
                }
            }
            out.add(r);
        }

        private static long[] increment(long hi, long lo) {
            return lo == -1L ? new long[] {hi + 1, 0} : new long[] {hi, lo + 1};
        }

        private static long[] decrement(long hi, long lo) {
            return lo == 0 ? new long[] {hi - 1, -1L} : new long[] {hi, lo - 1};
        }
    }
}
