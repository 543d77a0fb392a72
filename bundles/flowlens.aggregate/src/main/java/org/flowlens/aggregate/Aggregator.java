package org.flowlens.aggregate;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.query.AggregateStatus;
import org.flowlens.api.query.Counters;
import org.flowlens.api.query.DistinctTop;
import org.flowlens.api.query.ErrorBound;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.HostDetail;
import org.flowlens.api.query.HostTop;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.Point;
import org.flowlens.api.query.PortTop;
import org.flowlens.api.query.ProtocolShare;
import org.flowlens.api.query.TopN;
import org.flowlens.api.query.Totals;
import org.flowlens.api.query.Trend;
import org.flowlens.api.query.WindowTotals;

/**
 * The aggregation engine, free of OSGi so that tests and benchmarks drive it directly.
 *
 * <p>Time. A record belongs to the time bucket of its receive time by default: the collector's own
 * clock, comparable with the window clock, immune to exporters' clock skew and present for every
 * source; a long flow therefore counts when it is exported, as in every flow collector. Records
 * stamped before the current bucket but within the allowed lateness (pipeline queues, worker
 * reordering) are counted in the current bucket ({@code late}); older ones are left out of the
 * windows ({@code stale}) since counting them as current traffic would be wrong; records stamped
 * ahead of the clock are counted in the current bucket ({@code future}). Every record counts in
 * {@link #totals()}.
 *
 * <p>Threads. One ingest thread calls {@link #accept}; it writes only into the active {@link Pane}
 * and takes the ingest lock once per batch. A timer calls {@link #refresh}: it takes the filled
 * panes over (a pointer swap under the ingest lock), freezes them into slots, merges old slots into
 * coarser ones (at most {@link Settings#SLOTS_PER_LEVEL} per level, each level twice as coarse),
 * rebuilds the windows from the slots in parallel and publishes an immutable view. A window is
 * rebuilt at every refresh, except that a window already spanning its full length is rebuilt
 * every 1/60 of its length when that is longer than the refresh interval (the hour once a
 * minute); each answer tells the span it covers. Queries read
 * the latest view and never block ingest ({@link #totals} and {@link #status} take the ingest lock
 * only for the few counters they copy, so that ingest allocates nothing per batch).
 */
public final class Aggregator implements FlowQueryService {
    private final LongSupplier clock;
    private final Executor executor;
    private final long startMillis;

    private final Object ingestLock = new Object();
    private volatile Settings settings;
    private Pane active;
    private Pane spare;
    private final ArrayDeque<Pane> pending = new ArrayDeque<>();
    private long late, stale, future;
    private final int[] selection = new int[Pane.RUN];
    /** Everything counted so far and the clock at the last batch, under the ingest lock. */
    private long totalFlows, totalBytes, totalPackets, lastMillis;

    private final Object refreshLock = new Object();
    private Slot open;
    private long openBucket = Long.MIN_VALUE;
    private final List<ArrayDeque<Slot>> levels = new ArrayList<>();
    private final Map<String, KeyTable> cumulative = new LinkedHashMap<>();
    private final Map<String, Long> since = new HashMap<>();
    private final ArrayDeque<TrendPoint> trend = new ArrayDeque<>();
    private TrendPoint openTrend;
    private volatile View view;
    /** When the state this instance went on from was saved, 0 for a fresh start. */
    private long savedMillis;

    /** An immutable snapshot queries read. */
    private static final class View {
        final Settings settings;
        final long atMillis;
        final Slot[] slots;
        final Slot[] windows;
        final Map<String, KeyTable> counters;
        final Map<String, Long> since;
        final TrendPoint[] trend;
        final long refreshMicros;
        long retained, tracked;

        View(Settings settings, long atMillis, Slot[] slots, Slot[] windows, Map<String, KeyTable> counters,
                Map<String, Long> since, TrendPoint[] trend, long refreshMicros) {
            this.settings = settings;
            this.atMillis = atMillis;
            this.slots = slots;
            this.windows = windows;
            this.counters = counters;
            this.since = since;
            this.trend = trend;
            this.refreshMicros = refreshMicros;
        }
    }

    /**
     * @param clock epoch milliseconds; tests pass their own
     * @param executor runs the window merges of a refresh in parallel ({@code Runnable::run} for none)
     */
    public Aggregator(Settings settings, LongSupplier clock, Executor executor) {
        this(settings, clock, executor, clock.getAsLong());
    }

    private Aggregator(Settings settings, LongSupplier clock, Executor executor, long startMillis) {
        this.clock = clock;
        this.executor = executor;
        this.settings = settings;
        this.startMillis = startMillis;
        long now = clock.getAsLong();
        this.lastMillis = now;
        synchronized (refreshLock) {
            synchronized (ingestLock) {
                active = newPane(settings);
                active.start(Math.floorDiv(now, settings.bucketMillis), settings.bucketMillis);
            }
            for (Dimension d : settings.dimensions) {
                cumulative.put(d.spec, counterTable(d, settings.capacities.get(d.spec)));
                since.put(d.spec, startMillis);
            }
            publish(now, settings, System.nanoTime());
        }
    }

    private static Pane newPane(Settings s) {
        return new Pane(s.dimensions, s.capacityArray(), s.sourceCapacity);
    }

    private static KeyTable counterTable(Dimension d, int capacity) {
        return new KeyTable(d.words, d.objects, 0, capacity, KeyTable.Mode.EVICT, KeyTable.BYTES);
    }

    public Settings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ ingest

    /** Counts one batch; called from the consumer thread only. */
    public void accept(FlowBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        synchronized (ingestLock) {
            Settings s = settings;
            long now = clock.getAsLong();
            long bucket = s.bucketMillis;
            long newest = (Math.floorDiv(now, bucket) + 2) * bucket;
            long oldest = now - s.latenessMillis;
            Settings.TimeSource source = s.timeSource;
            Pane pane = active;
            int[] sel = selection;
            int m = 0;
            long bytes = 0, packets = 0;
            for (int i = 0; i < n; i++) {
                FlowRecord r = batch.get(i);
                bytes += Math.max(0, r.bytes());
                packets += Math.max(0, r.packets());
                long t = source == Settings.TimeSource.RECEIVED ? r.receivedMillis()
                        : source == Settings.TimeSource.END ? r.endMillis() : now;
                if (t <= 0) {
                    t = now; // a source that did not stamp the record: it arrives now
                }
                if (t < pane.startMillis || t >= pane.endMillis) {
                    if (t >= pane.endMillis) {
                        if (t < newest && pending.size() < Settings.MAX_PENDING) {
                            if (m > 0) {
                                pane.addAll(batch, sel, m);
                                m = 0;
                            }
                            pending.addLast(pane);
                            pane = fresh(Math.floorDiv(t, bucket), s);
                            active = pane;
                        } else {
                            future++;
                        }
                    } else if (t < oldest) {
                        stale++;
                        continue;
                    } else {
                        late++;
                    }
                }
                sel[m++] = i;
                if (m == Pane.RUN) {
                    pane.addAll(batch, sel, m);
                    m = 0;
                }
            }
            if (m > 0) {
                pane.addAll(batch, sel, m);
            }
            totalFlows += n;
            totalBytes += bytes;
            totalPackets += packets;
            lastMillis = now;
        }
    }

    /** A cleared pane for a bucket; under the ingest lock. */
    private Pane fresh(long bucketIndex, Settings s) {
        Pane p = spare != null ? spare : newPane(s);
        spare = null;
        p.start(bucketIndex, s.bucketMillis);
        return p;
    }

    // ------------------------------------------------------------------ refresh

    /** Takes the filled panes over, seals and merges slots, rebuilds the windows and publishes them. */
    public void refresh() {
        synchronized (refreshLock) {
            long t0 = System.nanoTime();
            long now = clock.getAsLong();
            Settings s = settings;
            absorb(cut(now, s), now, s);
            sealIfDue(now, s);
            expire(now, s);
            publish(now, s, t0);
        }
    }

    private List<Pane> cut(long now, Settings s) {
        List<Pane> out = new ArrayList<>(pending.size() + 1);
        synchronized (ingestLock) {
            out.addAll(pending);
            pending.clear();
            long nowBucket = Math.floorDiv(now, s.bucketMillis);
            if (!active.isEmpty()) {
                Pane p = active;
                out.add(p);
                active = fresh(Math.max(p.bucket, nowBucket), s);
            } else if (active.bucket < nowBucket) {
                active.start(nowBucket, s.bucketMillis);
            }
        }
        return out;
    }

    private void absorb(List<Pane> panes, long now, Settings s) {
        for (Pane p : panes) {
            long from = Math.max(p.startMillis, Math.min(startMillis, p.endMillis - 1));
            long to = Math.max(from + 1, Math.min(p.endMillis, now));
            Slot part = Slot.of(p, from, to, s.sourceCapacity, s.capacities);
            for (Map.Entry<String, KeyTable> e : part.dims.entrySet()) {
                KeyTable c = cumulative.get(e.getKey());
                if (c != null) {
                    c.addAll(e.getValue(), null);
                }
            }
            if (open != null && openBucket == p.bucket) {
                open = Slot.merge(List.of(open, part), 0, s.sourceCapacity, s.capacities);
            } else {
                if (open != null) {
                    seal(s);
                }
                open = part;
                openBucket = p.bucket;
            }
            openTrend = new TrendPoint(open.fromMillis, open.toMillis, open.bytes, open.packets, open.records, open.protocols);
            synchronized (ingestLock) {
                if (p.dims.length == s.dimensions.size() && spare == null && p != active && samePane(p, s)) {
                    p.clear();
                    spare = p;
                }
            }
        }
    }

    private static boolean samePane(Pane p, Settings s) {
        int[] caps = s.capacityArray();
        for (int i = 0; i < p.dims.length; i++) {
            if (!p.dims[i].spec.equals(s.dimensions.get(i).spec) || p.tables[i].capacity != caps[i]) {
                return false;
            }
        }
        return p.sources.capacity == s.sourceCapacity;
    }

    private void sealIfDue(long now, Settings s) {
        if (open != null && openBucket < Math.floorDiv(now, s.bucketMillis)) {
            seal(s);
        }
    }

    /** Moves the open slot to level 0 and merges levels that hold too many slots. */
    private void seal(Settings s) {
        level(0).addLast(open);
        trend.addLast(openTrend);
        open = null;
        openTrend = null;
        openBucket = Long.MIN_VALUE;
        for (int j = 0; j < levels.size(); j++) {
            ArrayDeque<Slot> lv = levels.get(j);
            while (lv.size() > Settings.SLOTS_PER_LEVEL) {
                Slot a = lv.pollFirst();
                if (j + 1 < s.levels) {
                    Slot b = lv.pollFirst();
                    level(j + 1).addLast(Slot.merge(List.of(a, b), j + 1, s.sourceCapacity, s.capacities));
                }
            }
        }
    }

    private ArrayDeque<Slot> level(int j) {
        while (levels.size() <= j) {
            levels.add(new ArrayDeque<>());
        }
        return levels.get(j);
    }

    private void expire(long now, Settings s) {
        long cutoff = now - s.maxWindowMillis();
        for (ArrayDeque<Slot> lv : levels) {
            lv.removeIf(slot -> slot.midMillis() < cutoff);
        }
        long trendCutoff = now - s.trendMillis;
        while (!trend.isEmpty() && trend.peekFirst().toMillis <= trendCutoff) {
            trend.pollFirst();
        }
    }

    private void publish(long now, Settings s, long t0) {
        List<Slot> all = new ArrayList<>();
        for (int j = levels.size() - 1; j >= 0; j--) {
            all.addAll(levels.get(j));
        }
        if (open != null) {
            all.add(open);
        }
        all.sort((a, b) -> Long.compare(a.fromMillis, b.fromMillis));
        Slot[] slots = all.toArray(new Slot[0]);
        View prev = view;
        List<CompletableFuture<Slot>> futures = new ArrayList<>();
        for (int i = 0; i < s.windows.size(); i++) {
            long w = s.windows.get(i).toMillis();
            Slot last = prev != null && prev.settings == s ? prev.windows[i] : null;
            // a window is rebuilt every refresh, or, once it spans its full length, every 1/60 of
            // its length if that is longer: the hour once a minute, sparing the longest merges
            if (last != null && now >= last.toMillis && last.toMillis - last.fromMillis >= w
                    && now - last.toMillis < Math.max(s.refreshMillis, w / 60)) {
                futures.add(CompletableFuture.completedFuture(last));
            } else {
                futures.add(CompletableFuture.supplyAsync(() -> window(slots, w, now, s), executor));
            }
        }
        Slot[] windows = new Slot[futures.size()];
        for (int i = 0; i < windows.length; i++) {
            windows[i] = futures.get(i).join();
        }
        Map<String, KeyTable> counters = new LinkedHashMap<>();
        for (Map.Entry<String, KeyTable> e : cumulative.entrySet()) {
            counters.put(e.getKey(), e.getValue().frozenCopy(e.getValue().capacity));
        }
        List<TrendPoint> points = new ArrayList<>(trend);
        if (openTrend != null) {
            points.add(openTrend);
        }
        long micros = (System.nanoTime() - t0) / 1000;
        View next = new View(s, now, slots, windows, Collections.unmodifiableMap(counters), Map.copyOf(since),
                points.toArray(new TrendPoint[0]), micros);
        next.retained = retained(next);
        next.tracked = tracked(next);
        view = next;
    }

    private Slot window(Slot[] slots, long w, long now, Settings s) {
        List<Slot> parts = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.midMillis() >= now - w) {
                parts.add(slot);
            }
        }
        long from = Math.max(now - w, Math.min(startMillis, now));
        if (parts.isEmpty()) {
            return Slot.empty(from, now);
        }
        Slot merged = Slot.merge(parts, -1, s.sourceCapacity, s.capacities);
        return merged.withSpan(Math.min(merged.fromMillis, from), Math.max(merged.toMillis, now));
    }

    /**
     * Applies a new configuration live: what was ingested so far is kept for the dimensions that
     * remain, new dimensions start empty, summaries are trimmed to new capacities.
     */
    public void reconfigure(Settings next) {
        synchronized (refreshLock) {
            long t0 = System.nanoTime();
            long now = clock.getAsLong();
            Settings old = settings;
            absorb(cut(now, old), now, old);
            synchronized (ingestLock) {
                settings = next;
                spare = null;
                active = newPane(next);
                active.start(Math.floorDiv(now, next.bucketMillis), next.bucketMillis);
            }
            if (next.bucketMillis != old.bucketMillis && open != null) {
                seal(next);
            }
            for (ArrayDeque<Slot> lv : levels) {
                List<Slot> adapted = new ArrayList<>(lv.size());
                for (Slot slot : lv) {
                    adapted.add(slot.adapt(next.sourceCapacity, next.capacities));
                }
                lv.clear();
                lv.addAll(adapted);
            }
            if (open != null) {
                open = open.adapt(next.sourceCapacity, next.capacities);
            }
            Map<String, KeyTable> kept = new LinkedHashMap<>();
            for (Dimension d : next.dimensions) {
                int cap = next.capacities.get(d.spec);
                KeyTable c = cumulative.get(d.spec);
                if (c == null) {
                    c = counterTable(d, cap);
                    since.put(d.spec, now);
                } else if (c.capacity != cap) {
                    KeyTable resized = counterTable(d, cap);
                    resized.addAll(c, null);
                    c = resized;
                }
                kept.put(d.spec, c);
            }
            cumulative.clear();
            cumulative.putAll(kept);
            since.keySet().retainAll(kept.keySet());
            expire(now, next);
            publish(now, next, t0);
        }
    }

    // ------------------------------------------------------------------ saving and restoring

    private static final int SAVED_MAGIC = 0x464C4147;
    private static final int SAVED_FORMAT = 1;

    /**
     * Writes everything the windows, counters and trend are built from, the records still in
     * panes included, so that another instance ({@link #restore}: after an update of the bundle or a
     * restart) goes on from there. Call it once ingest has stopped.
     */
    public void save(DataOutput out) throws IOException {
        synchronized (refreshLock) {
            long now = clock.getAsLong();
            Settings s = settings;
            absorb(cut(now, s), now, s);
            out.writeInt(SAVED_MAGIC);
            out.writeInt(SAVED_FORMAT);
            out.writeLong(now);
            out.writeLong(s.bucketMillis);
            out.writeLong(startMillis);
            synchronized (ingestLock) {
                for (long v : new long[] {totalFlows, totalBytes, totalPackets, late, stale, future}) {
                    out.writeLong(v);
                }
            }
            out.writeInt(levels.size());
            for (ArrayDeque<Slot> lv : levels) {
                out.writeInt(lv.size());
                for (Slot slot : lv) {
                    slot.write(out);
                }
            }
            out.writeBoolean(open != null);
            if (open != null) {
                out.writeLong(openBucket);
                open.write(out);
                openTrend.write(out);
            }
            out.writeInt(trend.size());
            for (TrendPoint p : trend) {
                p.write(out);
            }
            out.writeInt(cumulative.size());
            for (Map.Entry<String, KeyTable> e : cumulative.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(since.getOrDefault(e.getKey(), startMillis));
                e.getValue().write(out);
            }
        }
    }

    /**
     * An aggregator that goes on from what {@link #save} wrote, under the given settings: dimensions
     * no longer configured are left out, new ones start empty, summaries are trimmed to the new
     * capacities, as a live reconfiguration does; totals and counters continue.
     *
     * @throws IOException when the input is not a saved state (the caller starts afresh)
     */
    public static Aggregator restore(Settings settings, LongSupplier clock, Executor executor, DataInput in)
            throws IOException {
        if (in.readInt() != SAVED_MAGIC || in.readInt() != SAVED_FORMAT) {
            throw new IOException("not saved aggregates of this version");
        }
        long savedAt = in.readLong();
        long savedBucket = in.readLong();
        Aggregator a = new Aggregator(settings, clock, executor, in.readLong());
        Settings s = settings;
        synchronized (a.refreshLock) {
            long now = clock.getAsLong();
            synchronized (a.ingestLock) {
                a.totalFlows = in.readLong();
                a.totalBytes = in.readLong();
                a.totalPackets = in.readLong();
                a.late = in.readLong();
                a.stale = in.readLong();
                a.future = in.readLong();
            }
            int levelCount = in.readInt();
            if (levelCount < 0 || levelCount > 64) {
                throw new IOException("not saved aggregates: " + levelCount + " levels");
            }
            for (int j = 0; j < levelCount; j++) {
                int n = in.readInt();
                if (n < 0 || n > 100_000) {
                    throw new IOException("not saved aggregates: " + n + " slots");
                }
                for (int i = 0; i < n; i++) {
                    a.level(j).addLast(Slot.read(in).adapt(s.sourceCapacity, s.capacities));
                }
            }
            boolean hasOpen = in.readBoolean();
            long openBucket = hasOpen ? in.readLong() : Long.MIN_VALUE;
            Slot open = hasOpen ? Slot.read(in).adapt(s.sourceCapacity, s.capacities) : null;
            TrendPoint openPoint = hasOpen ? TrendPoint.read(in) : null;
            int points = in.readInt();
            if (points < 0 || points > 10_000_000) {
                throw new IOException("not saved aggregates: " + points + " trend points");
            }
            for (int i = 0; i < points; i++) {
                a.trend.addLast(TrendPoint.read(in));
            }
            if (hasOpen && savedBucket == s.bucketMillis) {
                a.open = open;
                a.openBucket = openBucket;
                a.openTrend = openPoint;
            } else if (hasOpen) {
                // buckets of another size: the saved open one is sealed as it is, the newest of its level
                a.level(0).addLast(open);
                a.trend.addLast(openPoint);
            }
            int counters = in.readInt();
            if (counters < 0 || counters > 1000) {
                throw new IOException("not saved aggregates: " + counters + " counters");
            }
            // dimensions the saved state does not have count from now
            a.since.replaceAll((spec, t) -> now);
            for (int i = 0; i < counters; i++) {
                String spec = in.readUTF();
                long since = in.readLong();
                KeyTable t = KeyTable.read(in);
                Integer cap = s.capacities.get(spec);
                if (cap != null) {
                    KeyTable c = t;
                    if (t.capacity != cap) {
                        c = counterTable(s.dimension(spec), cap);
                        c.addAll(t, null);
                    }
                    a.cumulative.put(spec, c);
                    a.since.put(spec, since);
                }
            }
            a.savedMillis = savedAt;
            a.expire(now, s);
            a.view = null; // every window built anew, none kept from the empty start
            a.publish(now, s, System.nanoTime());
        }
        return a;
    }

    /** When the state this aggregator was restored from had been saved; 0 when it started empty. */
    public long restoredFromMillis() {
        return savedMillis;
    }

    // ------------------------------------------------------------------ memory accounting

    /** Bytes held by every aggregate structure now, counted from array sizes. */
    public long retainedBytes() {
        synchronized (refreshLock) {
            return retained(view);
        }
    }

    private long retained(View v) {
        {
            IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
            long b = 0;
            synchronized (ingestLock) {
                b += active.retainedBytes();
                if (spare != null) {
                    b += spare.retainedBytes();
                }
                for (Pane p : pending) {
                    b += p.retainedBytes();
                }
            }
            for (ArrayDeque<Slot> lv : levels) {
                for (Slot s : lv) {
                    b += s.retainedBytes(seen);
                }
            }
            if (open != null) {
                b += open.retainedBytes(seen);
            }
            for (Slot s : v.windows) {
                b += s.retainedBytes(seen);
            }
            for (KeyTable t : cumulative.values()) {
                b += t.retainedBytes();
            }
            for (KeyTable t : v.counters.values()) {
                b += t.retainedBytes();
            }
            for (TrendPoint p : trend) {
                b += p.retainedBytes();
            }
            return b;
        }
    }

    /** Keys held by every summary now. */
    public long trackedKeys() {
        synchronized (refreshLock) {
            return tracked(view);
        }
    }

    private long tracked(View v) {
        {
            long n = 0;
            synchronized (ingestLock) {
                n += active.trackedKeys();
                for (Pane p : pending) {
                    n += p.trackedKeys();
                }
            }
            IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
            List<Slot> slots = new ArrayList<>();
            for (ArrayDeque<Slot> lv : levels) {
                slots.addAll(lv);
            }
            if (open != null) {
                slots.add(open);
            }
            slots.addAll(Arrays.asList(v.windows));
            for (Slot s : slots) {
                if (s.sources != null && seen.put(s.sources, Boolean.TRUE) == null) {
                    n += s.sources.size();
                }
                for (KeyTable t : s.dims.values()) {
                    if (seen.put(t, Boolean.TRUE) == null) {
                        n += t.size();
                    }
                }
            }
            for (KeyTable t : cumulative.values()) {
                n += t.size();
            }
            for (KeyTable t : v.counters.values()) {
                n += t.size();
            }
            return n;
        }
    }

    // ------------------------------------------------------------------ queries

    @Override
    public Totals totals() {
        synchronized (ingestLock) {
            return new Totals(totalFlows, totalBytes, totalPackets, startMillis, lastMillis);
        }
    }

    @Override
    public List<Duration> windows() {
        return view.settings.windows;
    }

    @Override
    public List<String> dimensions() {
        return List.copyOf(view.settings.capacities.keySet());
    }

    @Override
    public int topN() {
        return view.settings.topN;
    }

    @Override
    public AggregateStatus status() {
        View v = view;
        long l, st, f;
        synchronized (ingestLock) {
            l = late;
            st = stale;
            f = future;
        }
        return new AggregateStatus(v.settings.capacity, v.retained, v.settings.budgetBytes, v.tracked, l, st, f,
                v.atMillis, v.refreshMicros);
    }

    private static Slot windowSlot(View v, Duration window) {
        int i = window == null ? -1 : v.settings.windows.indexOf(window);
        if (i < 0) {
            throw new IllegalArgumentException("no window " + window + "; configured: " + v.settings.windows);
        }
        return v.windows[i];
    }

    private static String spec(View v, String dimension) {
        String spec = Dimension.canonical(dimension);
        if (!v.settings.capacities.containsKey(spec)) {
            throw new IllegalArgumentException("dimension " + spec + " is not configured; configured: "
                    + v.settings.capacities.keySet());
        }
        return spec;
    }

    private static int limit(View v, int limit) {
        return Math.max(0, Math.min(limit, v.settings.topN));
    }

    @Override
    public WindowTotals window(Duration window) {
        View v = view;
        Slot w = windowSlot(v, window);
        double seconds = w.spanMillis() / 1000.0;
        return new WindowTotals(window, w.fromMillis, w.toMillis, v.atMillis, w.bytes, w.packets, w.records,
                w.bytes * 8 / seconds, w.packets / seconds, w.records / seconds, Hll.estimate8(w.srcHll),
                Hll.estimate8(w.dstHll), Hll.estimate8(w.sessionHll), Hll.relativeError(Pane.GLOBAL_P));
    }

    @Override
    public TopN top(Duration window, String dimension, Metric order, int limit) {
        View v = view;
        Slot w = windowSlot(v, window);
        String spec = spec(v, dimension);
        Dimension d = v.settings.dimension(spec);
        long from = Math.max(w.fromMillis, v.since.getOrDefault(spec, w.fromMillis));
        double seconds = Math.max(1, w.toMillis - from) / 1000.0;
        KeyTable t = w.dims.get(spec);
        List<Group> groups = new ArrayList<>();
        if (t == null) {
            return new TopN(spec, d.labels(), window, order, from, w.toMillis, v.atMillis, 0, 0, 0, 0, ErrorBound.EXACT,
                    groups);
        }
        for (int id : t.top(order, limit(v, limit))) {
            groups.add(new Group(d.key(t.keyWords(), t.keyOffset(id), t.keyObjects(), t.objectOffset(id)), t.bytes(id),
                    t.packets(id), t.flows(id), t.bytes(id) * 8 / seconds, t.packets(id) / seconds));
        }
        return new TopN(spec, d.labels(), window, order, from, w.toMillis, v.atMillis, t.totalBytes(), t.totalPackets(),
                t.totalFlows(), t.size(), t.error(), List.copyOf(groups));
    }

    @Override
    public Counters counters(String dimension, int limit) {
        View v = view;
        String spec = spec(v, dimension);
        Dimension d = v.settings.dimension(spec);
        KeyTable t = v.counters.get(spec);
        List<Counters.Row> rows = new ArrayList<>();
        for (int id : t.top(Metric.BYTES, limit(v, limit))) {
            rows.add(new Counters.Row(d.key(t.keyWords(), t.keyOffset(id), t.keyObjects(), t.objectOffset(id)),
                    t.bytes(id), t.packets(id), t.flows(id)));
        }
        return new Counters(spec, d.labels(), v.since.getOrDefault(spec, startMillis), v.atMillis, t.error(),
                List.copyOf(rows));
    }

    @Override
    public HostTop hosts(Duration window, Metric order, int limit) {
        View v = view;
        Slot w = windowSlot(v, window);
        String srcSpec = spec(v, FlowQueryService.SOURCES);
        String dstSpec = spec(v, FlowQueryService.DESTINATIONS);
        KeyTable src = table(w, srcSpec, 2);
        KeyTable dst = table(w, dstSpec, 2);
        KeyTable both = KeyTable.presized(2, Math.max(1, src.size() + dst.size()));
        both.addAll(src, null);
        both.addAll(dst, null);
        double seconds = w.spanMillis() / 1000.0;
        List<HostTop.Host> hosts = new ArrayList<>();
        for (int id : both.top(order, limit(v, limit))) {
            long[] k = both.keyWords();
            int ko = both.keyOffset(id);
            int s = src.find(k, ko, null, 0);
            int r = dst.find(k, ko, null, 0);
            long bs = s < 0 ? 0 : src.bytes(s), br = r < 0 ? 0 : dst.bytes(r);
            hosts.add(new HostTop.Host(IpAddresses.format(k[ko], k[ko + 1]), bs, br, s < 0 ? 0 : src.packets(s),
                    r < 0 ? 0 : dst.packets(r), s < 0 ? 0 : src.flows(s), r < 0 ? 0 : dst.flows(r), bs * 8 / seconds,
                    br * 8 / seconds));
        }
        return new HostTop(window, order, w.fromMillis, w.toMillis, v.atMillis, src.error(), dst.error(),
                List.copyOf(hosts));
    }

    private static KeyTable table(Slot w, String spec, int words) {
        KeyTable t = w.dims.get(spec);
        return t != null ? t : new KeyTable(words, 0, 0, 1, KeyTable.Mode.EVICT, KeyTable.BYTES);
    }

    @Override
    public PortTop ports(Duration window, int limit) {
        View v = view;
        Slot w = windowSlot(v, window);
        String spec = spec(v, FlowQueryService.PORTS);
        Dimension d = v.settings.dimension(spec);
        int portField = d.indexOf(Field.DST_PORT);
        int protoField = d.indexOf(Field.PROTOCOL);
        KeyTable t = table(w, spec, d.words);
        KeyTable byPort = KeyTable.presized(1, Math.max(1, t.size()));
        long[] key = new long[1];
        for (int id = 0; id < t.size(); id++) {
            key[0] = d.number(portField, t.keyWords(), t.keyOffset(id));
            byPort.add(key, null, t.bytes(id), t.packets(id), t.flows(id));
        }
        int[] top = byPort.top(Metric.BYTES, limit(v, limit));
        Map<Long, List<ProtocolShare>> mix = new HashMap<>();
        for (int id : top) {
            mix.put(byPort.keyWords()[byPort.keyOffset(id)], new ArrayList<>());
        }
        for (int id = 0; id < t.size(); id++) {
            List<ProtocolShare> l = mix.get(d.number(portField, t.keyWords(), t.keyOffset(id)));
            if (l != null) {
                int proto = (int) d.number(protoField, t.keyWords(), t.keyOffset(id));
                l.add(new ProtocolShare(proto, Protocols.name(proto), t.bytes(id), t.packets(id), t.flows(id)));
            }
        }
        double seconds = w.spanMillis() / 1000.0;
        List<PortTop.Port> ports = new ArrayList<>();
        for (int id : top) {
            long port = byPort.keyWords()[byPort.keyOffset(id)];
            List<ProtocolShare> l = mix.get(port);
            l.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
            ports.add(new PortTop.Port((int) port, byPort.bytes(id), byPort.packets(id), byPort.flows(id),
                    byPort.bytes(id) * 8 / seconds, List.copyOf(l)));
        }
        return new PortTop(window, w.fromMillis, w.toMillis, v.atMillis, t.error(), List.copyOf(ports));
    }

    @Override
    public HostDetail host(Duration window, String address, int limit) {
        View v = view;
        Slot w = windowSlot(v, window);
        long[] a = IpAddresses.parse(address);
        String text = IpAddresses.format(a[0], a[1]);
        int lim = limit(v, limit);
        String srcSpec = v.settings.capacities.containsKey(FlowQueryService.SOURCES) ? FlowQueryService.SOURCES : null;
        String dstSpec = v.settings.capacities.containsKey(FlowQueryService.DESTINATIONS) ? FlowQueryService.DESTINATIONS : null;
        KeyTable src = srcSpec == null ? null : w.dims.get(srcSpec);
        KeyTable dst = dstSpec == null ? null : w.dims.get(dstSpec);
        int s = src == null ? -1 : src.find(a, 0, null, 0);
        int r = dst == null ? -1 : dst.find(a, 0, null, 0);

        // breakdowns from the sessions
        Map<List<Long>, long[]> peers = new HashMap<>();
        long[] protos = new long[256 * 3];
        Map<Long, long[]> ports = new HashMap<>();
        ErrorBound sessionError = ErrorBound.EXACT;
        Dimension sd = v.settings.dimension(FlowQueryService.SESSIONS);
        KeyTable ses = sd == null ? null : w.dims.get(FlowQueryService.SESSIONS);
        if (ses != null) {
            sessionError = ses.error();
            int sa = sd.wordOf(sd.indexOf(Field.SRC_ADDR));
            int da = sd.wordOf(sd.indexOf(Field.DST_ADDR));
            int dp = sd.indexOf(Field.DST_PORT);
            int pr = sd.indexOf(Field.PROTOCOL);
            long[] k = ses.keyWords();
            for (int id = 0; id < ses.size(); id++) {
                int ko = ses.keyOffset(id);
                boolean out = k[ko + sa] == a[0] && k[ko + sa + 1] == a[1];
                boolean in = k[ko + da] == a[0] && k[ko + da + 1] == a[1];
                if (!out && !in) {
                    continue;
                }
                long b = ses.bytes(id), p = ses.packets(id), f = ses.flows(id);
                int peerWord = out ? da : sa;
                long[] pv = peers.computeIfAbsent(List.of(k[ko + peerWord], k[ko + peerWord + 1]), x -> new long[5]);
                pv[out ? 0 : 1] += b;
                pv[out ? 2 : 3] += p;
                pv[4] += f;
                int proto = (int) sd.number(pr, k, ko);
                protos[proto * 3] += b;
                protos[proto * 3 + 1] += p;
                protos[proto * 3 + 2] += f;
                long portKey = (sd.number(dp, k, ko) << 8) | proto;
                long[] po = ports.computeIfAbsent(portKey, x -> new long[3]);
                po[0] += b;
                po[1] += p;
                po[2] += f;
            }
        }
        List<HostDetail.Peer> peerList = new ArrayList<>();
        peers.forEach((key, pv) -> peerList.add(new HostDetail.Peer(IpAddresses.format(key.get(0), key.get(1)), pv[0],
                pv[1], pv[2], pv[3], pv[4])));
        peerList.sort((x, y) -> Long.compare(y.bytesSent() + y.bytesReceived(), x.bytesSent() + x.bytesReceived()));
        List<ProtocolShare> protoList = new ArrayList<>();
        for (int p = 0; p < 256; p++) {
            if (protos[p * 3 + 2] != 0) {
                protoList.add(new ProtocolShare(p, Protocols.name(p), protos[p * 3], protos[p * 3 + 1], protos[p * 3 + 2]));
            }
        }
        protoList.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
        List<HostDetail.PortUse> portList = new ArrayList<>();
        ports.forEach((key, po) -> portList.add(new HostDetail.PortUse((int) (key >>> 8), (int) (key & 0xFF),
                Protocols.name((int) (key & 0xFF)), po[0], po[1], po[2])));
        portList.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));

        // series from the slots of the window
        List<Point> sent = new ArrayList<>();
        List<Point> received = new ArrayList<>();
        for (Slot slot : v.slots) {
            if (slot.midMillis() < w.fromMillis || slot.fromMillis >= w.toMillis) {
                continue;
            }
            sent.add(point(slot, srcSpec, a));
            received.add(point(slot, dstSpec, a));
        }
        return new HostDetail(text, window, w.fromMillis, w.toMillis, v.atMillis, s < 0 ? 0 : src.bytes(s),
                r < 0 ? 0 : dst.bytes(r), s < 0 ? 0 : src.packets(s), r < 0 ? 0 : dst.packets(r),
                s < 0 ? 0 : src.flows(s), r < 0 ? 0 : dst.flows(r), src == null ? ErrorBound.EXACT : src.error(),
                dst == null ? ErrorBound.EXACT : dst.error(), sessionError, head(peerList, lim), head(protoList, lim),
                head(portList, lim), List.copyOf(sent), List.copyOf(received));
    }

    private static Point point(Slot slot, String spec, long[] a) {
        KeyTable t = spec == null ? null : slot.dims.get(spec);
        int id = t == null ? -1 : t.find(a, 0, null, 0);
        return id < 0 ? new Point(slot.fromMillis, slot.toMillis, 0, 0, 0)
                : new Point(slot.fromMillis, slot.toMillis, t.bytes(id), t.packets(id), t.flows(id));
    }

    private static <T> List<T> head(List<T> l, int n) {
        return List.copyOf(l.size() <= n ? l : l.subList(0, n));
    }

    @Override
    public Trend trend(Duration span, Duration step, int protocols) {
        View v = view;
        long bucket = v.settings.bucketMillis;
        long st = Math.max(bucket, (step.toMillis() + bucket - 1) / bucket * bucket);
        long now = v.atMillis;
        long first = Math.floorDiv(now - Math.max(st, span.toMillis()), st) + 1;
        long last = Math.floorDiv(now, st);
        int n = (int) Math.min(100_000, last - first + 1);
        first = last - n + 1;
        long[] tot = new long[n * 3];
        long[] protoTotal = new long[256];
        Map<Integer, long[]> per = new HashMap<>();
        for (TrendPoint p : v.trend) {
            long i = Math.floorDiv(p.fromMillis, st) - first;
            if (i < 0 || i >= n) {
                continue;
            }
            int ix = (int) i;
            tot[ix * 3] += p.bytes;
            tot[ix * 3 + 1] += p.packets;
            tot[ix * 3 + 2] += p.flows;
            for (int j = 0; j < p.protocols.length; j++) {
                long[] a = per.computeIfAbsent(p.protocols[j], x -> new long[n * 3]);
                a[ix * 3] += p.values[j * 3];
                a[ix * 3 + 1] += p.values[j * 3 + 1];
                a[ix * 3 + 2] += p.values[j * 3 + 2];
                protoTotal[p.protocols[j]] += p.values[j * 3];
            }
        }
        List<Integer> ranked = new ArrayList<>(per.keySet());
        ranked.sort((x, y) -> protoTotal[y] != protoTotal[x] ? Long.compare(protoTotal[y], protoTotal[x]) : Integer.compare(x, y));
        Map<String, List<Point>> byProtocol = new LinkedHashMap<>();
        long[] other = null;
        for (int i = 0; i < ranked.size(); i++) {
            long[] a = per.get(ranked.get(i));
            if (i < protocols) {
                byProtocol.put(Protocols.name(ranked.get(i)), points(a, first, st, n, now));
            } else {
                if (other == null) {
                    other = new long[n * 3];
                }
                for (int k = 0; k < a.length; k++) {
                    other[k] += a[k];
                }
            }
        }
        if (other != null) {
            byProtocol.put("OTHER", points(other, first, st, n, now));
        }
        return new Trend(first * st, Math.min(now, (last + 1) * st), now, st, points(tot, first, st, n, now),
                Collections.unmodifiableMap(byProtocol));
    }

    private static List<Point> points(long[] a, long first, long step, int n, long now) {
        Point[] out = new Point[n];
        for (int i = 0; i < n; i++) {
            long from = (first + i) * step;
            out[i] = new Point(from, Math.min(from + step, Math.max(from + 1, now)), a[i * 3], a[i * 3 + 1], a[i * 3 + 2]);
        }
        return List.of(out);
    }

    @Override
    public DistinctTop distinctBySource(Duration window, DistinctTop.By order, int limit) {
        View v = view;
        Slot w = windowSlot(v, window);
        KeyTable t = w.sources;
        List<DistinctTop.Source> all = new ArrayList<>();
        long errFlows = 0;
        if (t != null) {
            errFlows = t.error().flows();
            byte[] pay = t.payload();
            int half = Pane.SOURCE_PAYLOAD / 2;
            int[] ids;
            if (order == DistinctTop.By.FLOWS) {
                ids = t.top(Metric.FLOWS, limit(v, limit));
            } else {
                ids = new int[t.size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = i;
                }
            }
            for (int id : ids) {
                int off = t.payloadOffset(id);
                long[] k = t.keyWords();
                int ko = t.keyOffset(id);
                all.add(new DistinctTop.Source(IpAddresses.format(k[ko], k[ko + 1]), t.flows(id),
                        Hll.estimate4(pay, off, Pane.SOURCE_P), Hll.estimate4(pay, off + half, Pane.SOURCE_P)));
            }
            if (order != DistinctTop.By.FLOWS) {
                all.sort((x, y) -> {
                    long vx = order == DistinctTop.By.PORTS ? x.distinctPorts() : x.distinctDestinations();
                    long vy = order == DistinctTop.By.PORTS ? y.distinctPorts() : y.distinctDestinations();
                    return vx != vy ? Long.compare(vy, vx) : Long.compare(y.flows(), x.flows());
                });
            }
        }
        return new DistinctTop(window, order, w.fromMillis, w.toMillis, v.atMillis, Hll.relativeError(Pane.SOURCE_P),
                errFlows, head(all, limit(v, limit)));
    }
}
