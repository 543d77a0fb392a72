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
 * ICMP by type and code) and reports each session as one {@link FlowRecord} per direction that
 * carried packets (format {@value #FORMAT}, bytes are IP lengths).
 *
 * <p>Updates: with an update interval ({@link MeterSettings#updateMillis(long)}), a session still
 * open reports the packets it carried since its last report once the first of them is that old,
 * and starts counting afresh; its state (handshake, timeouts) goes on. Each record covers only its
 * own packets (start and end time, bytes, packets and TCP flags of those packets), so the records
 * of a session add up to its exact totals, and a session whose packets were all reported leaves no
 * record when it ends. Sessions waiting for their report are kept in a queue in the order of their
 * first unreported packet, linked through spare bits of their slots (no memory of its own); sessions
 * that carried nothing new cost nothing.
 *
 * <p>A session ends when it has been idle for the timeout of its class (TCP, TCP after FIN in both
 * directions, TCP after RST, UDP, ICMP, other), when it is older than the active timeout, when a
 * new SYN reuses the ports of a closed TCP session, or when the table is full and it is the least
 * recently active one (an eviction). Time is the packet clock: the largest packet timestamp seen,
 * or what {@link #advance(long)} is given, so files are metered as they were captured.
 *
 * <p>Memory: each session is one 128-byte slot of a single {@code long[]} (key, times, counters,
 * links), found through an open-addressing index with linear probing and backward-shift deletion;
 * free slots are chained. About 136 bytes per session at one million sessions, see {@link
 * #footprintBytes()}. A packet touches the index and its own slot; a session moves to the tail of
 * its timeout class's recency list only when its last move is older than the sweep interval, so
 * busy sessions cost no list maintenance and idle timeouts are exact to within one sweep interval.
 * Nothing is allocated per packet; records are allocated when sessions are reported.
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
    static final int S_REPLIED = 128;

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;

    /**
     * Array lengths are a power of two less a little, so that each array (with its 16-byte header)
     * fits whole heap regions: G1 keeps large arrays in regions of a power-of-two size, and an array
     * a few bytes over one would waste up to half of its memory. The slot array has one slot less
     * than a power of two, the index four ints less.
     */
    private static final int SLACK = 4;
    private static final int INITIAL_ENTRIES = 1024 - 1;
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
    private long update;
    private long sweepInterval;
    private boolean icmpTypeCodeInKey;
    private boolean restartOnSyn;
    private boolean sniffNames;
    private long serverNameTtl;
    private int batchSize;
    private PacketFilter filter;

    // the session table: slot e occupies data[e * STRIDE .. e * STRIDE + STRIDE)
    private static final int STRIDE = 16;
    private static final int HASH_META = 0; // hash (low 32) | meta (high 32): protocol, tos << 8, state << 16, class << 24
    private static final int PORTS_FLAGS = 1; // ports (low 32: src << 16 | dst) | flags (high 32: fwd, rev << 8, vlan << 16)
    private static final int SRC_HI = 2;
    private static final int SRC_LO = 3;
    private static final int DST_HI = 4;
    private static final int DST_LO = 5;
    private static final int LAST = 6;
    private static final int START = 7;
    private static final int FWD_BYTES = 8;
    private static final int REV_BYTES = 9;
    private static final int FWD_PACKETS = 10;
    private static final int REV_PACKETS = 11;
    private static final int LINKS = 12; // prev (low 32) | next (high 32), -1 for none
    private static final int QUEUED = 13; // when the session was last moved to its list's tail
    private static final int SRC_MAC = 14; // MAC (low 48) | due link (high 16 of 32)
    private static final int DST_MAC = 15; // MAC (low 48) | due link (low 16 of 32)
    private static final long MAC = 0xFFFF_FFFF_FFFFL;

    private int entries; // slots
    private int size;
    private int freeHead = -1;
    private int used; // slots ever handed out (below this, slots are live or on the free list)
    private long[] data;
    private int[] index; // slot + 1, 0 when empty
    private final int[] head = new int[CLASSES];
    private final int[] tail = new int[CLASSES];
    private boolean reverse;

    // sessions with unreported packets in the order of their first unreported packet (START): a
    // queue linked through the slots (see dueLink). A slot is queued at most once. An entry whose
    // session ended is stale and dropped when it comes to the head; if its slot holds a newer
    // session by then, that session takes the entry's place.
    private int dueHead = -1;
    private int dueTail = -1;

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
    private long updates;
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
        long newUpdate = s.updateMillis() * 1_000_000L;
        if (newUpdate != update) {
            // report what is pending under the old interval, so that the queue holds every session
            // with unreported packets (or, without updates, none)
            reportAll();
            update = newUpdate;
        }
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
        if (dueHead >= 0 && clock - data[dueHead * STRIDE + START] >= update) {
            reportDue(clock - update);
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
        final long[] d = data;
        int e = find(aHi, aLo, sp, bHi, bLo, dp, proto, h);
        if (e >= 0) {
            int b = e * STRIDE;
            int cls = (int) (d[b + HASH_META] >>> 56);
            if (ts - d[b + LAST] > idle[cls]) {
                expire(e);
                endedIdle++;
                e = -1;
            } else if (ts - d[b + START] >= active && (d[b + FWD_PACKETS] > 0 || d[b + REV_PACKETS] > 0)) {
                expire(e);
                endedActive++;
                e = -1;
            } else if (restartOnSyn && proto == 6 && (tcpFlags & (SYN | ACK)) == SYN
                    && (meta(e) & ((S_FIN_FWD | S_FIN_REV | S_RST) << 16)) != 0) {
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
            int b = e * STRIDE;
            long[] dd = data;
            dd[b + HASH_META] |= (long) (p.tos() << 8) << 32;
            dd[b + PORTS_FLAGS] = (dd[b + PORTS_FLAGS] & 0xFFFFFFFFL) | (long) ((p.vlan() & 0xFFF) << 16) << 32;
            dd[b + SRC_MAC] = (dd[b + SRC_MAC] & ~MAC) | (p.srcMac() & MAC);
            dd[b + DST_MAC] = (dd[b + DST_MAC] & ~MAC) | (p.dstMac() & MAC);
            reverse = false;
        }
        final long[] dd = data;
        int b = e * STRIDE;
        if (dd[b + FWD_PACKETS] == 0 && dd[b + REV_PACKETS] == 0) {
            // a new session, or the first packet since its last report
            dd[b + START] = ts;
            if (update > 0) {
                enqueue(e);
            }
        }
        long bytes = p.ipLength();
        metered++;
        meteredBytes += bytes;
        int m = meta(e);
        int state = (m >>> 16) & 0xFF;
        if (reverse) {
            state |= S_REPLIED;
            dd[b + REV_PACKETS]++;
            dd[b + REV_BYTES] += bytes;
            dd[b + PORTS_FLAGS] |= (long) ((tcpFlags & 0xFF) << 8) << 32;
        } else {
            dd[b + FWD_PACKETS]++;
            dd[b + FWD_BYTES] += bytes;
            dd[b + PORTS_FLAGS] |= (long) (tcpFlags & 0xFF) << 32;
        }
        if (ts > dd[b + LAST]) {
            dd[b + LAST] = ts;
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
            } else if (dd[b + FWD_PACKETS] > SERVER_NAME_PACKETS) {
                state |= S_NAMED;
            }
            newCls = (state & S_RST) != 0 ? C_TCP_RST
                    : (state & (S_FIN_FWD | S_FIN_REV)) == (S_FIN_FWD | S_FIN_REV) ? C_TCP_FIN : C_TCP;
        }
        setMeta(e, (m & 0xFFFF) | state << 16 | newCls << 24);
        if (newCls != cls) {
            unlink(e, cls);
            linkTail(e, newCls, ts);
        } else if (ts - dd[b + QUEUED] >= sweepInterval && tail[cls] != e) {
            // busy sessions move at most once per sweep interval
            unlink(e, cls);
            linkTail(e, cls, ts);
        }
    }

    // ------------------------------------------------------------------ expiry

    private void sweep(long now) {
        final long[] d = data;
        for (int c = 0; c < CLASSES; c++) {
            long limit = idle[c];
            int e;
            while ((e = head[c]) >= 0 && now - d[e * STRIDE + QUEUED] > limit) {
                long last = d[e * STRIDE + LAST];
                if (now - last > limit) {
                    expire(e);
                    endedIdle++;
                } else {
                    // active since it was queued: to the tail, as if moved at its last packet
                    unlink(e, c);
                    linkTail(e, c, last);
                }
            }
        }
    }

    private void evictOldest() {
        int oldest = -1;
        long oldestLast = Long.MAX_VALUE;
        for (int c = 0; c < CLASSES; c++) {
            int e = head[c];
            if (e >= 0 && data[e * STRIDE + LAST] < oldestLast) {
                oldest = e;
                oldestLast = data[e * STRIDE + LAST];
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
        clearDue();
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
        int m = meta(e);
        if ((m & 0xFF) == 6 && ((m >>> 16) & (S_SYN | S_REPLIED)) == S_SYN) {
            unansweredSyn++;
        }
        if (data[e * STRIDE + FWD_PACKETS] > 0 || data[e * STRIDE + REV_PACKETS] > 0) {
            emit(e);
        }
        int cls = meta(e) >>> 24;
        unlink(e, cls);
        removeFromIndex(e);
        setNext(e, freeHead);
        freeHead = e;
        setMeta(e, 0);
        size--;
    }

    // ------------------------------------------------------------------ updates

    /**
     * The due queue's link of a slot, kept in the 16 spare high bits of each MAC word (so that the
     * queue costs no memory): 0 when the slot is not queued, 1 when it is the last, else the next
     * slot + 2. It survives the slot's session ending, so a queued slot is never queued twice.
     */
    private int dueLink(int e) {
        int b = e * STRIDE;
        return (int) (data[b + SRC_MAC] >>> 48) << 16 | (int) (data[b + DST_MAC] >>> 48);
    }

    private void setDueLink(int e, int v) {
        int b = e * STRIDE;
        data[b + SRC_MAC] = (data[b + SRC_MAC] & MAC) | (long) (v >>> 16) << 48;
        data[b + DST_MAC] = (data[b + DST_MAC] & MAC) | (long) (v & 0xFFFF) << 48;
    }

    private void enqueue(int e) {
        if (dueLink(e) != 0) {
            return; // a stale entry of the slot's previous session stands for this one
        }
        setDueLink(e, 1);
        if (dueTail >= 0) {
            setDueLink(dueTail, e + 2);
        } else {
            dueHead = e;
        }
        dueTail = e;
    }

    private void dequeueHead() {
        int e = dueHead;
        int link = dueLink(e);
        setDueLink(e, 0);
        dueHead = link >= 2 ? link - 2 : -1;
        if (dueHead < 0) {
            dueTail = -1;
        }
    }

    /**
     * Reports the sessions whose first unreported packet came at or before {@code cutoff}, from the
     * head of the queue.
     */
    private void reportDue(long cutoff) {
        final long[] d = data;
        while (dueHead >= 0) {
            int e = dueHead;
            int b = e * STRIDE;
            if (meta(e) != 0 && (d[b + FWD_PACKETS] > 0 || d[b + REV_PACKETS] > 0)) {
                if (d[b + START] > cutoff) {
                    return;
                }
                report(e);
            }
            dequeueHead();
        }
    }

    /** Reports every session with unreported packets and empties the queue. */
    private void reportAll() {
        if (batch != null) {
            for (int e = 0; e < used; e++) {
                int b = e * STRIDE;
                if (meta(e) != 0 && (data[b + FWD_PACKETS] > 0 || data[b + REV_PACKETS] > 0)) {
                    report(e);
                }
            }
        }
        clearDue();
    }

    private void clearDue() {
        while (dueHead >= 0) {
            dequeueHead();
        }
    }

    /** Reports the packets of an open session since its last report and counts afresh. */
    private void report(int e) {
        emit(e);
        updates++;
        final long[] d = data;
        int b = e * STRIDE;
        d[b + FWD_BYTES] = 0;
        d[b + REV_BYTES] = 0;
        d[b + FWD_PACKETS] = 0;
        d[b + REV_PACKETS] = 0;
        d[b + PORTS_FLAGS] &= ~(0xFFFFL << 32); // the TCP flags of the next record are those of its packets
    }

    private void emit(int e) {
        final long[] d = data;
        int b = e * STRIDE;
        long at = d[b + LAST];
        String srcName = domains.lookup(d[b + SRC_HI], d[b + SRC_LO], at);
        String dstName = domains.lookup(d[b + DST_HI], d[b + DST_LO], at);
        if (!filter.acceptDomains(srcName, dstName)) {
            domainFiltered++;
            return;
        }
        if (d[b + FWD_PACKETS] > 0) {
            fill(batch.next(), b, false, srcName, dstName);
        }
        if (d[b + REV_PACKETS] > 0) {
            fill(batch.next(), b, true, srcName, dstName);
        }
        if (batch.size() >= batchSize) {
            flush();
        }
    }

    private void fill(FlowRecord r, int b, boolean rev, String srcName, String dstName) {
        final long[] d = data;
        int m = (int) (d[b + HASH_META] >>> 32);
        int f = (int) (d[b + PORTS_FLAGS] >>> 32);
        int ports = (int) d[b + PORTS_FLAGS];
        int sp = ports >>> 16;
        int dp = ports & 0xFFFF;
        r.format(FORMAT)
                .receivedMillis(Math.floorDiv(clock, 1_000_000L))
                .startMillis(Math.floorDiv(d[b + START], 1_000_000L))
                .endMillis(Math.floorDiv(d[b + LAST], 1_000_000L))
                .protocol(m & 0xFF)
                .tos((m >>> 8) & 0xFF)
                .vlan(f >>> 16);
        if (!rev) {
            r.src(d[b + SRC_HI], d[b + SRC_LO]).dst(d[b + DST_HI], d[b + DST_LO]).srcPort(sp).dstPort(dp)
                    .tcpFlags(f & 0xFF).bytes(d[b + FWD_BYTES]).packets(d[b + FWD_PACKETS])
                    .srcMac(d[b + SRC_MAC] & MAC).dstMac(d[b + DST_MAC] & MAC).srcDomain(srcName).dstDomain(dstName);
        } else {
            r.src(d[b + DST_HI], d[b + DST_LO]).dst(d[b + SRC_HI], d[b + SRC_LO]).srcPort(dp).dstPort(sp)
                    .tcpFlags((f >>> 8) & 0xFF).bytes(d[b + REV_BYTES]).packets(d[b + REV_PACKETS])
                    .srcMac(d[b + DST_MAC] & MAC).dstMac(d[b + SRC_MAC] & MAC).srcDomain(dstName).dstDomain(srcName);
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

    private int meta(int e) {
        return (int) (data[e * STRIDE + HASH_META] >>> 32);
    }

    private void setMeta(int e, int m) {
        int b = e * STRIDE + HASH_META;
        data[b] = (data[b] & 0xFFFFFFFFL) | (long) m << 32;
    }

    private int hashOf(int e) {
        return (int) data[e * STRIDE + HASH_META];
    }

    private int prev(int e) {
        return (int) data[e * STRIDE + LINKS];
    }

    private int next(int e) {
        return (int) (data[e * STRIDE + LINKS] >> 32);
    }

    private void setPrev(int e, int p) {
        int b = e * STRIDE + LINKS;
        data[b] = (data[b] & 0xFFFFFFFF00000000L) | (p & 0xFFFFFFFFL);
    }

    private void setNext(int e, int n) {
        int b = e * STRIDE + LINKS;
        data[b] = (data[b] & 0xFFFFFFFFL) | (long) n << 32;
    }

    private int home(int h) {
        return (int) (((h & 0xFFFFFFFFL) * index.length) >>> 32);
    }

    private int find(long aHi, long aLo, int ap, long bHi, long bLo, int bp, int proto, int h) {
        final long[] d = data;
        final int[] idx = index;
        int length = idx.length;
        int slot = home(h);
        long key = (long) proto << 32 | (h & 0xFFFFFFFFL);
        int pp = ap << 16 | bp;
        int rp = bp << 16 | ap;
        while (true) {
            int v = idx[slot];
            if (v == 0) {
                return -1;
            }
            int b = (v - 1) * STRIDE;
            if ((d[b + HASH_META] & 0xFF_FFFFFFFFL) == key) {
                int ports = (int) d[b + PORTS_FLAGS];
                if (ports == pp && d[b + SRC_LO] == aLo && d[b + DST_LO] == bLo && d[b + SRC_HI] == aHi
                        && d[b + DST_HI] == bHi) {
                    reverse = false;
                    return v - 1;
                }
                if (ports == rp && d[b + SRC_LO] == bLo && d[b + DST_LO] == aLo && d[b + SRC_HI] == bHi
                        && d[b + DST_HI] == aHi) {
                    reverse = true;
                    return v - 1;
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
            freeHead = next(e);
        } else {
            if (used == entries) {
                allocate(Math.max(entries, Math.min(2 * (entries + 1) - 1, roundUp(maxSessions + 1) - 1)));
            }
            e = used++;
        }
        final long[] d = data;
        int b = e * STRIDE;
        int cls = proto == 6 ? C_TCP : proto == 17 ? C_UDP : proto == 1 || proto == 58 ? C_ICMP : C_OTHER;
        d[b + HASH_META] = (h & 0xFFFFFFFFL) | (long) (proto | cls << 24) << 32;
        d[b + PORTS_FLAGS] = (ap << 16 | bp) & 0xFFFFFFFFL;
        d[b + SRC_HI] = aHi;
        d[b + SRC_LO] = aLo;
        d[b + DST_HI] = bHi;
        d[b + DST_LO] = bLo;
        d[b + LAST] = ts;
        d[b + START] = ts;
        d[b + FWD_BYTES] = 0;
        d[b + REV_BYTES] = 0;
        d[b + FWD_PACKETS] = 0;
        d[b + REV_PACKETS] = 0;
        d[b + SRC_MAC] &= ~MAC; // keeps the due link
        d[b + DST_MAC] &= ~MAC;
        final int[] idx = index;
        int length = idx.length;
        int slot = home(h);
        while (idx[slot] != 0) {
            if (++slot == length) {
                slot = 0;
            }
        }
        idx[slot] = e + 1;
        linkTail(e, cls, ts);
        size++;
        sessionsCreated++;
        return e;
    }

    private static int roundUp(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    private void removeFromIndex(int e) {
        final int[] idx = index;
        int length = idx.length;
        int slot = home(hashOf(e));
        while (idx[slot] != e + 1) {
            if (++slot == length) {
                slot = 0;
            }
        }
        idx[slot] = 0;
        int j = slot;
        while (true) {
            if (++j == length) {
                j = 0;
            }
            int v = idx[j];
            if (v == 0) {
                return;
            }
            int k = home(hashOf(v - 1));
            // move v back into the hole unless its home slot lies cyclically in (slot, j]
            boolean stays = slot <= j ? slot < k && k <= j : slot < k || k <= j;
            if (!stays) {
                idx[slot] = v;
                idx[j] = 0;
                slot = j;
            }
        }
    }

    private void linkTail(int e, int cls, long queuedAt) {
        int t = tail[cls];
        data[e * STRIDE + LINKS] = (t & 0xFFFFFFFFL) | (-1L << 32);
        data[e * STRIDE + QUEUED] = queuedAt;
        if (t >= 0) {
            setNext(t, e);
        } else {
            head[cls] = e;
        }
        tail[cls] = e;
    }

    private void unlink(int e, int cls) {
        int p = prev(e);
        int n = next(e);
        if (p >= 0) {
            setNext(p, n);
        } else {
            head[cls] = n;
        }
        if (n >= 0) {
            setPrev(n, p);
        } else {
            tail[cls] = p;
        }
    }

    private void allocate(int capacity) {
        long[] grown = new long[capacity * STRIDE];
        if (data != null) {
            System.arraycopy(data, 0, grown, 0, Math.min(data.length, grown.length));
        }
        data = grown;
        entries = capacity;
        int[] old = index;
        index = new int[2 * roundUp(capacity + 1) - SLACK]; // at most half full
        if (old != null) {
            int length = index.length;
            for (int v : old) {
                if (v != 0) {
                    int slot = home(hashOf(v - 1));
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

    // ------------------------------------------------------------------ state and counters

    /** Sessions being tracked. */
    public int sessions() {
        return size;
    }

    /** Bytes held by the session table's arrays. */
    public long footprintBytes() {
        return (long) data.length * 8 + (long) index.length * 4;
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

    /** Reports of sessions still open (update interval). */
    public long updates() {
        return updates;
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
        m.put("session_updates", updates);
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
