package org.flowlens.decoder.packet.meter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.decoder.packet.PacketInfo;
import org.flowlens.decoder.packet.PacketParser;

/**
 * Meters packets into bidirectional sessions keyed by the 5-tuple (protocol, addresses, ports;
 * ICMP by type and code) and reports each ended session as one {@link FlowRecord} per direction
 * that carried packets (format {@value #FORMAT}, bytes are IP lengths).
 *
 * <p>A session ends when it has been idle for the timeout of its class (TCP, TCP after FIN in both
 * directions, TCP after RST, UDP, ICMP, other), when it is older than the active timeout, when a
 * new SYN reuses the ports of a closed TCP session, or when the table is full and it is the least
 * recently active one (an eviction). Time is the packet clock: the largest packet timestamp seen,
 * or what {@link #advance(long)} is given, so files are metered as they were captured.
 *
 * <p>Memory: the sessions live in parallel primitive arrays (an entry pool with a free list, an
 * open-addressing index with linear probing and backward-shift deletion, and one doubly linked
 * recency list per timeout class), about 134 bytes per session at one million sessions; see
 * {@link #footprintBytes()}. Nothing is allocated per packet; records are allocated when sessions
 * end.
 *
 * <p>Not thread-safe: one thread offers packets and calls {@link #advance(long)}, {@link #flush()}
 * and {@link #expireAll()}. Other threads may call {@link #reconfigure(MeterSettings)}, which takes
 * effect at the next packet or clock advance, and read the counters.
 */
public final class FlowMeter {

    /** {@link FlowRecord#format()} of the records. */
    public static final String FORMAT = "pcap";

    static final int C_TCP = 0;
    static final int C_UDP = 1;
    static final int C_ICMP = 2;
    static final int C_OTHER = 3;
    static final int C_TCP_FIN = 4;
    static final int C_TCP_RST = 5;
    static final int CLASSES = 6;

    static final int S_SYN = 1;
    static final int S_SYNACK = 2;
    static final int S_ESTABLISHED = 4;
    static final int S_FIN_FWD = 8;
    static final int S_FIN_REV = 16;
    static final int S_RST = 32;
    static final int S_NAMED = 64;

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;

    /**
     * Array lengths are a power of two minus 4, so that each array (with its 16-byte header) fills
     * whole heap regions: G1 stores large arrays in regions of a power-of-two size, and an array a
     * few bytes over one would waste up to half of its memory.
     */
    private static final int SLACK = 4;
    private static final int INITIAL_ENTRIES = 1024 - SLACK;
    private static final int SERVER_NAME_PACKETS = 8;

    private PacketParser parser;
    private final PacketInfo info = new PacketInfo();
    private final Consumer<FlowBatch> sink;
    private final DomainTable domains;
    private final NameSniffer sniffer;

    // settings
    private volatile MeterSettings pending;
    private int maxSessions;
    private final long[] idle = new long[CLASSES];
    private long active;
    private long sweepInterval;
    private boolean icmpTypeCodeInKey;
    private boolean restartOnSyn;
    private boolean sniffNames;
    private long serverNameTtl;
    private int batchSize;
    private PacketFilter filter;

    // the session table
    private int entries; // capacity of the entry arrays
    private int size;
    private int freeHead = -1;
    private int used; // entries ever handed out (below this, entries are live or on the free list)
    private long[] srcHi;
    private long[] srcLo;
    private long[] dstHi;
    private long[] dstLo;
    private long[] start;
    private long[] last;
    private long[] fwdBytes;
    private long[] revBytes;
    private long[] fwdPackets;
    private long[] revPackets;
    private long[] srcMac;
    private long[] dstMac;
    private int[] ports; // srcPort << 16 | dstPort, initiator's view
    private int[] meta; // protocol | tos << 8 | state << 16 | class << 24
    private int[] flags; // forward flags | reverse flags << 8 | vlan << 16
    private int[] prev;
    private int[] next;
    private int[] hash;
    private int[] index; // entry + 1, 0 when empty
    private final int[] head = new int[CLASSES];
    private final int[] tail = new int[CLASSES];
    private boolean reverse;

    private long clock = Long.MIN_VALUE;
    private long nextSweep = Long.MIN_VALUE;
    private FlowBatch batch;

    // counters (written by the metering thread only)
    private long packets;
    private long metered;
    private long meteredBytes;
    private long notIp;
    private long truncated;
    private long malformed;
    private long unknownLinkType;
    private long filtered;
    private long sessionsCreated;
    private long endedIdle;
    private long endedActive;
    private long endedRestart;
    private long evicted;
    private long endedFlush;
    private long records;
    private long domainFiltered;
    private long unansweredSyn;
    private long batches;

    /**
     * @param settings copied; validated (IllegalArgumentException when out of range)
     * @param domains where learned names go and where records' names come from
     * @param sink receives full batches of records (and the last partial one on {@link #flush()});
     *     it owns each batch it is given
     */
    public FlowMeter(MeterSettings settings, DomainTable domains, Consumer<FlowBatch> sink) {
        this.sink = sink;
        this.domains = domains;
        this.sniffer = new NameSniffer(domains);
        for (int c = 0; c < CLASSES; c++) {
            head[c] = -1;
            tail[c] = -1;
        }
        allocate(INITIAL_ENTRIES);
        configure(settings);
        batch = new FlowBatch(batchSize);
    }

    /** Applies settings at once; call from the metering thread. */
    public void configure(MeterSettings settings) {
        MeterSettings s = settings.copy();
        s.validate();
        maxSessions = s.maxSessions();
        idle[C_TCP] = s.tcpIdleSeconds() * 1_000_000_000L;
        idle[C_UDP] = s.udpIdleSeconds() * 1_000_000_000L;
        idle[C_ICMP] = s.icmpIdleSeconds() * 1_000_000_000L;
        idle[C_OTHER] = s.otherIdleSeconds() * 1_000_000_000L;
        idle[C_TCP_FIN] = s.tcpFinSeconds() * 1_000_000_000L;
        idle[C_TCP_RST] = s.tcpRstSeconds() * 1_000_000_000L;
        active = s.activeSeconds() * 1_000_000_000L;
        sweepInterval = s.sweepMillis() * 1_000_000L;
        icmpTypeCodeInKey = s.icmpTypeCodeInKey();
        restartOnSyn = s.restartOnSyn();
        sniffNames = s.sniffNames();
        serverNameTtl = s.serverNameTtlSeconds();
        batchSize = s.batchSize();
        filter = s.filter();
        if (parser == null || parser.decapsulatesTunnels() != s.decapsulateTunnels()) {
            parser = new PacketParser(s.decapsulateTunnels());
        }
        while (size > maxSessions) {
            evictOldest();
        }
    }

    /**
     * Hands new settings over from any thread; validated now (IllegalArgumentException), applied
     * at the next packet or clock advance.
     */
    public void reconfigure(MeterSettings settings) {
        MeterSettings s = settings.copy();
        s.validate();
        pending = s;
    }

    private void applyPending() {
        MeterSettings s = pending;
        if (s != null) {
            pending = null;
            configure(s);
        }
    }

    // ------------------------------------------------------------------ packets

    /**
     * Parses and meters one captured packet.
     *
     * @return the {@link PacketParser} result; only {@link PacketParser#OK} packets are metered,
     *     the others are counted by reason
     */
    public int offer(ByteBuffer buf, int offset, int length, int linkType, long timestampNanos) {
        int r = parser.parse(buf, offset, length, linkType, info);
        if (r != PacketParser.OK) {
            packets++;
            switch (r) {
                case PacketParser.NOT_IP:
                    notIp++;
                    break;
                case PacketParser.TRUNCATED:
                    truncated++;
                    break;
                case PacketParser.UNKNOWN_LINK_TYPE:
                    unknownLinkType++;
                    break;
                default:
                    malformed++;
            }
            advance(timestampNanos);
            return r;
        }
        packet(info, buf.order() == ByteOrder.BIG_ENDIAN ? buf : buf.duplicate().order(ByteOrder.BIG_ENDIAN),
                timestampNanos);
        return r;
    }

    /** Meters a packet already parsed into {@code p} from {@code buf} (big-endian). */
    public void packet(PacketInfo p, ByteBuffer buf, long timestampNanos) {
        packets++;
        advance(timestampNanos);
        if (sniffNames && p.protocol() == 17 && (p.srcPort() == 53 || p.srcPort() == 5353)) {
            sniffer.dns(buf, p.payloadOffset(), p.payloadLength(), timestampNanos);
        } else if (sniffNames && p.protocol() == 6 && p.srcPort() == 53 && p.payloadLength() > 2) {
            int len = buf.getShort(p.payloadOffset()) & 0xFFFF;
            if (len + 2 <= p.payloadLength()) {
                sniffer.dns(buf, p.payloadOffset() + 2, len, timestampNanos);
            }
        }
        if (!filter.accept(p)) {
            filtered++;
            return;
        }
        meter(p, buf, timestampNanos);
    }

    /**
     * Moves the packet clock forward (it never goes back) and expires the sessions idle for longer
     * than their timeout, at most once per sweep interval. Live capture calls it when no packets
     * come, with the wall clock.
     */
    public void advance(long nowNanos) {
        applyPending();
        if (nowNanos > clock) {
            clock = nowNanos;
        }
        if (nextSweep == Long.MIN_VALUE) {
            nextSweep = clock + sweepInterval;
        } else if (clock >= nextSweep) {
            sweep(clock);
            nextSweep = clock + sweepInterval;
        }
    }

    private void meter(PacketInfo p, ByteBuffer buf, long ts) {
        int proto = p.protocol();
        int sp = p.srcPort();
        int dp = p.dstPort();
        if (proto == 1 || proto == 58) {
            sp = 0;
            dp = icmpTypeCodeInKey && p.icmpType() >= 0 ? p.icmpType() << 8 | p.icmpCode() : 0;
        }
        long aHi = p.srcHi();
        long aLo = p.srcLo();
        long bHi = p.dstHi();
        long bLo = p.dstLo();
        int h = hash(aHi, aLo, sp, bHi, bLo, dp, proto);
        int tcpFlags = p.tcpFlags();
        int e = find(aHi, aLo, sp, bHi, bLo, dp, proto, h);
        if (e >= 0) {
            int cls = meta[e] >>> 24;
            if (ts - last[e] > idle[cls]) {
                expire(e);
                endedIdle++;
                e = -1;
            } else if (ts - start[e] >= active) {
                expire(e);
                endedActive++;
                e = -1;
            } else if (restartOnSyn && proto == 6 && (tcpFlags & (SYN | ACK)) == SYN
                    && (meta[e] & ((S_FIN_FWD | S_FIN_REV | S_RST) << 16)) != 0) {
                expire(e);
                endedRestart++;
                e = -1;
            }
        }
        if (e < 0) {
            if (size >= maxSessions) {
                evictOldest();
            }
            e = insert(aHi, aLo, sp, bHi, bLo, dp, proto, h, ts);
            meta[e] |= p.tos() << 8;
            flags[e] = (p.vlan() & 0xFFF) << 16;
            srcMac[e] = p.srcMac();
            dstMac[e] = p.dstMac();
            reverse = false;
        }
        long bytes = p.ipLength();
        metered++;
        meteredBytes += bytes;
        int m = meta[e];
        int state = (m >>> 16) & 0xFF;
        if (reverse) {
            revPackets[e]++;
            revBytes[e] += bytes;
            flags[e] |= (tcpFlags & 0xFF) << 8;
        } else {
            fwdPackets[e]++;
            fwdBytes[e] += bytes;
            flags[e] |= tcpFlags & 0xFF;
        }
        if (ts > last[e]) {
            last[e] = ts;
        }
        int cls = m >>> 24;
        int newCls = cls;
        if (proto == 6) {
            if (!reverse && (tcpFlags & (SYN | ACK)) == SYN) {
                state |= S_SYN;
            }
            if (reverse && (tcpFlags & (SYN | ACK)) == (SYN | ACK)) {
                state |= S_SYNACK;
            }
            if (!reverse && (state & S_SYNACK) != 0 && (tcpFlags & ACK) != 0) {
                state |= S_ESTABLISHED;
            }
            if ((tcpFlags & FIN) != 0) {
                state |= reverse ? S_FIN_REV : S_FIN_FWD;
            }
            if ((tcpFlags & RST) != 0) {
                state |= S_RST;
            }
            if (sniffNames && !reverse && (state & S_NAMED) == 0 && p.payloadLength() > 0) {
                sniffer.serverName(buf, p.payloadOffset(), p.payloadLength(), p.dstHi(), p.dstLo(), ts, serverNameTtl);
                state |= S_NAMED;
            } else if (fwdPackets[e] > SERVER_NAME_PACKETS) {
                state |= S_NAMED;
            }
            newCls = (state & S_RST) != 0 ? C_TCP_RST
                    : (state & (S_FIN_FWD | S_FIN_REV)) == (S_FIN_FWD | S_FIN_REV) ? C_TCP_FIN : C_TCP;
        }
        meta[e] = (m & 0xFFFF) | state << 16 | newCls << 24;
        if (newCls != cls || tail[cls] != e) {
            unlink(e, cls);
            linkTail(e, newCls);
        }
    }

    // ------------------------------------------------------------------ expiry

    private void sweep(long now) {
        for (int c = 0; c < CLASSES; c++) {
            int e;
            while ((e = head[c]) >= 0 && now - last[e] > idle[c]) {
                expire(e);
                endedIdle++;
            }
        }
    }

    private void evictOldest() {
        int oldest = -1;
        for (int c = 0; c < CLASSES; c++) {
            int e = head[c];
            if (e >= 0 && (oldest < 0 || last[e] < last[oldest])) {
                oldest = e;
            }
        }
        if (oldest >= 0) {
            expire(oldest);
            evicted++;
        }
    }

    /** Ends every session (end of a file, capture stopped) and hands the last batch to the sink. */
    public void expireAll() {
        applyPending();
        for (int c = 0; c < CLASSES; c++) {
            int e;
            while ((e = head[c]) >= 0) {
                expire(e);
                endedFlush++;
            }
        }
        flush();
    }

    /** Hands the records waiting in the current batch to the sink, if there are any. */
    public void flush() {
        if (!batch.isEmpty()) {
            FlowBatch full = batch;
            batch = new FlowBatch(batchSize);
            batches++;
            sink.accept(full);
        }
    }

    private void expire(int e) {
        emit(e);
        int cls = meta[e] >>> 24;
        unlink(e, cls);
        removeFromIndex(e);
        next[e] = freeHead;
        freeHead = e;
        meta[e] = 0;
        size--;
    }

    private void emit(int e) {
        int m = meta[e];
        int proto = m & 0xFF;
        int state = (m >>> 16) & 0xFF;
        if (proto == 6 && (state & S_SYN) != 0 && revPackets[e] == 0) {
            unansweredSyn++;
        }
        long at = last[e];
        String srcName = domains.lookup(srcHi[e], srcLo[e], at);
        String dstName = domains.lookup(dstHi[e], dstLo[e], at);
        if (!filter.acceptDomains(srcName, dstName)) {
            domainFiltered++;
            return;
        }
        if (fwdPackets[e] > 0) {
            fill(batch.next(), e, false, srcName, dstName);
        }
        if (revPackets[e] > 0) {
            fill(batch.next(), e, true, srcName, dstName);
        }
        if (batch.size() >= batchSize) {
            flush();
        }
    }

    private void fill(FlowRecord r, int e, boolean rev, String srcName, String dstName) {
        int m = meta[e];
        int f = flags[e];
        int sp = ports[e] >>> 16;
        int dp = ports[e] & 0xFFFF;
        r.format(FORMAT)
                .receivedMillis(Math.floorDiv(clock, 1_000_000L))
                .startMillis(Math.floorDiv(start[e], 1_000_000L))
                .endMillis(Math.floorDiv(last[e], 1_000_000L))
                .protocol(m & 0xFF)
                .tos((m >>> 8) & 0xFF)
                .vlan(f >>> 16);
        if (!rev) {
            r.src(srcHi[e], srcLo[e]).dst(dstHi[e], dstLo[e]).srcPort(sp).dstPort(dp).tcpFlags(f & 0xFF)
                    .bytes(fwdBytes[e]).packets(fwdPackets[e]).srcMac(srcMac[e]).dstMac(dstMac[e])
                    .srcDomain(srcName).dstDomain(dstName);
        } else {
            r.src(dstHi[e], dstLo[e]).dst(srcHi[e], srcLo[e]).srcPort(dp).dstPort(sp).tcpFlags((f >>> 8) & 0xFF)
                    .bytes(revBytes[e]).packets(revPackets[e]).srcMac(dstMac[e]).dstMac(srcMac[e])
                    .srcDomain(dstName).dstDomain(srcName);
        }
        records++;
    }

    // ------------------------------------------------------------------ table

    private static int hash(long aHi, long aLo, int ap, long bHi, long bLo, int bp, int proto) {
        // symmetric: both directions of a session hash alike
        long h = endpoint(aHi, aLo, ap) + endpoint(bHi, bLo, bp) + proto * 0x9E3779B97F4A7C15L;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return (int) h;
    }

    private static long endpoint(long hi, long lo, int port) {
        long x = hi * 0xC2B2AE3D27D4EB4FL ^ Long.rotateLeft(lo * 0x165667B19E3779F9L, 29) ^ (port + 1L) * 0x27D4EB2F165667C5L;
        return x ^ (x >>> 29);
    }

    private int home(int h) {
        return (int) (((h & 0xFFFFFFFFL) * index.length) >>> 32);
    }

    private int find(long aHi, long aLo, int ap, long bHi, long bLo, int bp, int proto, int h) {
        int length = index.length;
        int slot = home(h);
        int pp = ap << 16 | bp;
        int rp = bp << 16 | ap;
        while (true) {
            int v = index[slot];
            if (v == 0) {
                return -1;
            }
            int e = v - 1;
            if (hash[e] == h && (meta[e] & 0xFF) == proto) {
                if (ports[e] == pp && srcLo[e] == aLo && dstLo[e] == bLo && srcHi[e] == aHi && dstHi[e] == bHi) {
                    reverse = false;
                    return e;
                }
                if (ports[e] == rp && srcLo[e] == bLo && dstLo[e] == aLo && srcHi[e] == bHi && dstHi[e] == aHi) {
                    reverse = true;
                    return e;
                }
            }
            if (++slot == length) {
                slot = 0;
            }
        }
    }

    private int insert(long aHi, long aLo, int ap, long bHi, long bLo, int bp, int proto, int h, long ts) {
        int e;
        if (freeHead >= 0) {
            e = freeHead;
            freeHead = next[e];
        } else {
            if (used == entries) {
                allocate(Math.max(entries, Math.min(2 * (entries + SLACK) - SLACK, roundUp(maxSessions + SLACK) - SLACK)));
            }
            e = used++;
        }
        srcHi[e] = aHi;
        srcLo[e] = aLo;
        dstHi[e] = bHi;
        dstLo[e] = bLo;
        ports[e] = ap << 16 | bp;
        int cls = proto == 6 ? C_TCP : proto == 17 ? C_UDP : proto == 1 || proto == 58 ? C_ICMP : C_OTHER;
        meta[e] = proto | cls << 24;
        flags[e] = 0;
        hash[e] = h;
        start[e] = ts;
        last[e] = ts;
        fwdBytes[e] = 0;
        revBytes[e] = 0;
        fwdPackets[e] = 0;
        revPackets[e] = 0;
        int length = index.length;
        int slot = home(h);
        while (index[slot] != 0) {
            if (++slot == length) {
                slot = 0;
            }
        }
        index[slot] = e + 1;
        linkTail(e, cls);
        size++;
        sessionsCreated++;
        return e;
    }

    private static int roundUp(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    private void removeFromIndex(int e) {
        int length = index.length;
        int slot = home(hash[e]);
        while (index[slot] != e + 1) {
            if (++slot == length) {
                slot = 0;
            }
        }
        index[slot] = 0;
        int j = slot;
        while (true) {
            if (++j == length) {
                j = 0;
            }
            int v = index[j];
            if (v == 0) {
                return;
            }
            int k = home(hash[v - 1]);
            // move v back into the hole unless its home slot lies cyclically in (slot, j]
            boolean stays = slot <= j ? slot < k && k <= j : slot < k || k <= j;
            if (!stays) {
                index[slot] = v;
                index[j] = 0;
                slot = j;
            }
        }
    }

    private void linkTail(int e, int cls) {
        int t = tail[cls];
        prev[e] = t;
        next[e] = -1;
        if (t >= 0) {
            next[t] = e;
        } else {
            head[cls] = e;
        }
        tail[cls] = e;
    }

    private void unlink(int e, int cls) {
        int p = prev[e];
        int n = next[e];
        if (p >= 0) {
            next[p] = n;
        } else {
            head[cls] = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            tail[cls] = p;
        }
    }

    private void allocate(int capacity) {
        srcHi = grow(srcHi, capacity);
        srcLo = grow(srcLo, capacity);
        dstHi = grow(dstHi, capacity);
        dstLo = grow(dstLo, capacity);
        start = grow(start, capacity);
        last = grow(last, capacity);
        fwdBytes = grow(fwdBytes, capacity);
        revBytes = grow(revBytes, capacity);
        fwdPackets = grow(fwdPackets, capacity);
        revPackets = grow(revPackets, capacity);
        srcMac = grow(srcMac, capacity);
        dstMac = grow(dstMac, capacity);
        ports = grow(ports, capacity);
        meta = grow(meta, capacity);
        flags = grow(flags, capacity);
        prev = grow(prev, capacity);
        next = grow(next, capacity);
        hash = grow(hash, capacity);
        entries = capacity;
        int[] old = index;
        index = new int[2 * roundUp(capacity + SLACK) - SLACK]; // at most half full
        if (old != null) {
            int length = index.length;
            for (int v : old) {
                if (v != 0) {
                    int slot = home(hash[v - 1]);
                    while (index[slot] != 0) {
                        if (++slot == length) {
                            slot = 0;
                        }
                    }
                    index[slot] = v;
                }
            }
        }
    }

    private static long[] grow(long[] a, int n) {
        long[] b = new long[n];
        if (a != null) {
            System.arraycopy(a, 0, b, 0, Math.min(a.length, n));
        }
        return b;
    }

    private static int[] grow(int[] a, int n) {
        int[] b = new int[n];
        if (a != null) {
            System.arraycopy(a, 0, b, 0, Math.min(a.length, n));
        }
        return b;
    }

    // ------------------------------------------------------------------ state and counters

    /** Sessions being tracked. */
    public int sessions() {
        return size;
    }

    /** Bytes held by the session table's arrays. */
    public long footprintBytes() {
        return (long) entries * (12 * 8 + 6 * 4) + (long) index.length * 4;
    }

    /** The packet clock, epoch nanoseconds (Long.MIN_VALUE before the first packet). */
    public long clock() {
        return clock;
    }

    public DomainTable domains() {
        return domains;
    }

    /** Packets offered (all results). */
    public long packets() {
        return packets;
    }

    /** Packets counted in sessions. */
    public long meteredPackets() {
        return metered;
    }

    /** IP bytes counted in sessions. */
    public long meteredBytes() {
        return meteredBytes;
    }

    public long notIp() {
        return notIp;
    }

    public long truncatedPackets() {
        return truncated;
    }

    public long malformedPackets() {
        return malformed;
    }

    public long unknownLinkType() {
        return unknownLinkType;
    }

    /** Packets the filter left out. */
    public long filteredPackets() {
        return filtered;
    }

    public long sessionsCreated() {
        return sessionsCreated;
    }

    /** Sessions ended early because the table was full. */
    public long evictions() {
        return evicted;
    }

    /** Records handed out (in batches). */
    public long records() {
        return records;
    }

    /** TCP sessions that ended with a SYN from the initiator and no packet back. */
    public long unansweredSyns() {
        return unansweredSyn;
    }

    /** Every counter by name, for status pages and metrics. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("packets", packets);
        m.put("metered_packets", metered);
        m.put("metered_bytes", meteredBytes);
        m.put("not_ip", notIp);
        m.put("truncated", truncated);
        m.put("malformed", malformed);
        m.put("unknown_link_type", unknownLinkType);
        m.put("filtered", filtered);
        m.put("sessions", (long) size);
        m.put("sessions_created", sessionsCreated);
        m.put("ended_idle", endedIdle);
        m.put("ended_active", endedActive);
        m.put("ended_port_reuse", endedRestart);
        m.put("ended_flush", endedFlush);
        m.put("evictions", evicted);
        m.put("records", records);
        m.put("batches", batches);
        m.put("domain_filtered", domainFiltered);
        m.put("unanswered_syn", unansweredSyn);
        m.put("dns_responses", sniffer.dnsResponses);
        m.put("dns_addresses", sniffer.dnsAddresses);
        m.put("dns_malformed", sniffer.dnsMalformed);
        m.put("tls_names", sniffer.tlsNames);
        m.put("http_names", sniffer.httpNames);
        m.put("footprint_bytes", footprintBytes());
        return m;
    }
}
