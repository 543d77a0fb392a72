package org.flowlens.enrich.geoip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
            final long startHi, startLo;
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

        /**
         * Sorted, disjoint ranges: a sweep over the boundaries of all ranges, with the ranges that
         * cover the current position in a heap ordered by precedence (later start, then shorter,
         * then added later). Adjacent pieces of the same AS and name are merged.
         */
        private static List<Range> flatten(List<Range> input) {
            int n = input.size();
            ArrayList<Range> out = new ArrayList<>(n);
            if (n == 0) {
                return out;
            }
            // precedence = position in this order
            Range[] byStart = input.toArray(new Range[0]);
            Arrays.sort(byStart, (a, b) -> {
                int c = compare(a.startHi, a.startLo, b.startHi, b.startLo);
                if (c != 0) {
                    return c;
                }
                c = compare(b.endHi, b.endLo, a.endHi, a.endLo);
                return c != 0 ? c : Integer.compare(a.order, b.order);
            });
            Integer[] byEnd = new Integer[n];
            for (int k = 0; k < n; k++) {
                byEnd[k] = k;
            }
            Arrays.sort(byEnd, (a, b) -> compare(byStart[a].endHi, byStart[a].endLo, byStart[b].endHi, byStart[b].endLo));
            boolean[] ended = new boolean[n];
            PriorityQueue<Integer> active = new PriorityQueue<>(Collections.reverseOrder());
            int si = 0, ei = 0;
            long posHi = byStart[0].startHi, posLo = byStart[0].startLo;
            while (true) {
                while (si < n && compare(byStart[si].startHi, byStart[si].startLo, posHi, posLo) <= 0) {
                    active.add(si++);
                }
                while (ei < n && compare(byStart[byEnd[ei]].endHi, byStart[byEnd[ei]].endLo, posHi, posLo) < 0) {
                    ended[byEnd[ei++]] = true;
                }
                while (!active.isEmpty() && ended[active.peek()]) {
                    active.poll();
                }
                if (active.isEmpty()) {
                    if (si == n) {
                        break;
                    }
                    posHi = byStart[si].startHi;
                    posLo = byStart[si].startLo;
                    continue;
                }
                // the piece runs to the first end still ahead, or to just before the next start
                Range e = byStart[byEnd[ei]];
                long endHi = e.endHi, endLo = e.endLo;
                if (si < n && compare(byStart[si].startHi, byStart[si].startLo, endHi, endLo) <= 0) {
                    long[] before = decrement(byStart[si].startHi, byStart[si].startLo);
                    endHi = before[0];
                    endLo = before[1];
                }
                Range winner = byStart[active.peek()];
                emit(out, posHi, posLo, endHi, endLo, winner);
                if (endHi == -1L && endLo == -1L) {
                    break;
                }
                long[] next = increment(endHi, endLo);
                posHi = next[0];
                posLo = next[1];
            }
            return out;
        }

        // the IPv4-mapped block ::ffff:0:0/96: pieces never straddle its edges
        private static final long MAPPED_FIRST = IpAddresses.V4_MAPPED;
        private static final long MAPPED_LAST = IpAddresses.V4_MAPPED | 0xFFFF_FFFFL;

        private static void emit(ArrayList<Range> out, long sHi, long sLo, long eHi, long eLo, Range owner) {
            if (sHi == 0 && eHi == 0) {
                if (Long.compareUnsigned(sLo, MAPPED_FIRST) < 0 && Long.compareUnsigned(eLo, MAPPED_FIRST) >= 0) {
                    append(out, new Range(sHi, sLo, 0, MAPPED_FIRST - 1, owner.as, owner.name, owner.order));
                    emit(out, 0, MAPPED_FIRST, eHi, eLo, owner);
                    return;
                }
                if (Long.compareUnsigned(sLo, MAPPED_LAST) <= 0 && Long.compareUnsigned(eLo, MAPPED_LAST) > 0) {
                    append(out, new Range(sHi, sLo, 0, MAPPED_LAST, owner.as, owner.name, owner.order));
                    append(out, new Range(0, MAPPED_LAST + 1, eHi, eLo, owner.as, owner.name, owner.order));
                    return;
                }
            } else if (sHi == 0 && Long.compareUnsigned(sLo, MAPPED_LAST) <= 0) {
                emit(out, sHi, sLo, 0, -1L, owner);
                append(out, new Range(1, 0, eHi, eLo, owner.as, owner.name, owner.order));
                return;
            }
            append(out, new Range(sHi, sLo, eHi, eLo, owner.as, owner.name, owner.order));
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
