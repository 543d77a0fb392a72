package org.flowlens.decoder.sflow;

import java.nio.ByteBuffer;
import java.util.List;

import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.decoder.sflow.agents.AgentStatus;
import org.flowlens.decoder.sflow.agents.InterfaceCounters;

/**
 * The state of one agent and sub-agent: datagram sequence numbers, per data source sample
 * sequence numbers, sample pools and drop counters, and the latest interface counters. All
 * methods lock the agent; the maps inside are bounded by the budgets of the {@link AgentTable}.
 */
final class Agent {
    static final long MASK32 = 0xFFFF_FFFFL;
    /** A forward jump of a sequence number this large is a counter reset, not a loss. */
    static final long MAX_GAP = 1L << 24;
    /** A sequence number at most this far behind the last one is a late arrival, not a reset. */
    static final long REORDER_WINDOW = 1L << 16;
    /** The agent restarted when its uptime goes back by more than this (less is reordering). */
    static final long RESTART_MILLIS = 60_000;
    /** Size of the generic interface counters record (counter record 0:1). */
    static final int GENERIC_COUNTERS = 88;

    /** Sequence state of one data source (an interface or VLAN the agent samples). */
    private static final class Source {
        long sequence;
        long pool;
        long drops;
    }

    /** The last generic interface counters record of one interface, as received. */
    private static final class Interface {
        final byte[] record = new byte[GENERIC_COUNTERS];
        long sequence;
        long updated;
    }

    final AgentTable.Key key;
    private final AgentTable table;
    private boolean retired;

    private long datagrams;
    private long lastSequence;
    private long lastUptime;
    private long missingDatagrams;
    private long restarts;
    private long flowSamples;
    private long counterSamples;
    private long missingSamples;
    private long agentDrops;
    private long poolPackets;
    private long sampledPackets;
    private final long firstSeen;
    private volatile long lastSeen;

    private final LongMap<Source> sources = new LongMap<>();
    private final LongMap<Interface> interfaces = new LongMap<>();

    Agent(AgentTable.Key key, AgentTable table, long now) {
        this.key = key;
        this.table = table;
        this.firstSeen = now;
        this.lastSeen = now;
    }

    long lastSeen() {
        return lastSeen;
    }

    /**
     * Accounts one datagram: a gap in the datagram sequence numbers is reported through {@link
     * DecodeContext#sequenceGap} (in datagrams, the unit of sFlow's sequence); an uptime that went
     * back means a restart and forgets the sources.
     */
    synchronized void datagram(long sequence, long uptime, long now, DecodeContext ctx) {
        lastSeen = now;
        if (datagrams++ == 0) {
            lastSequence = sequence;
            lastUptime = uptime;
            return;
        }
        long back = (lastUptime - uptime) & MASK32;
        if (back > RESTART_MILLIS && back < 0x8000_0000L) {
            restarts++;
            forgetSources();
            lastSequence = sequence;
            lastUptime = uptime;
            return;
        }
        long ahead = (sequence - lastSequence) & MASK32;
        if (ahead == 0) {
            return;
        }
        if (ahead < MAX_GAP) {
            if (ahead > 1) {
                missingDatagrams += ahead - 1;
                ctx.sequenceGap(ahead - 1);
            }
        } else if (((lastSequence - sequence) & MASK32) <= REORDER_WINDOW) {
            // a late datagram, counted missing when its successor came
            if (missingDatagrams > 0) {
                missingDatagrams--;
            }
            return;
        }
        lastSequence = sequence;
        lastUptime = uptime;
    }

    /**
     * Accounts one flow sample of a data source: a gap in the source's sample sequence numbers
     * counts missing samples (shown in the agent's status; the loss itself is reported once, in
     * datagrams, by {@link #datagram}), an increase of the agent's drop counter is reported as
     * records the agent dropped, and the sample-pool increase is summed against the packets the
     * samples represent.
     */
    synchronized void flowSample(long source, long sequence, long rate, long pool, long drops, DecodeContext ctx) {
        flowSamples++;
        Source s = sources.get(source);
        if (s == null) {
            if (!retired && table.reserveSource()) {
                s = new Source();
                s.sequence = sequence;
                s.pool = pool;
                s.drops = drops;
                sources.put(source, s);
            }
            return;
        }
        long ahead = (sequence - s.sequence) & MASK32;
        if (ahead == 0) {
            return; // a duplicate
        }
        if (ahead >= MAX_GAP) {
            if (((s.sequence - sequence) & MASK32) > REORDER_WINDOW) {
                // the source's counters were reset: start again from here
                s.sequence = sequence;
                s.pool = pool;
                s.drops = drops;
            }
            return;
        }
        if (ahead > 1) {
            missingSamples += ahead - 1;
        }
        long dropped = (drops - s.drops) & MASK32;
        if (dropped != 0 && dropped < MAX_GAP) {
            agentDrops += dropped;
            ctx.drop(SflowDecoder.AGENT_DROPPED, dropped);
        }
        long pooled = (pool - s.pool) & MASK32;
        if (pooled < 0x8000_0000L) {
            poolPackets += pooled;
            sampledPackets += rate;
        }
        s.sequence = sequence;
        s.pool = pool;
        s.drops = drops;
    }

    synchronized void counterSample() {
        counterSamples++;
    }

    /** Keeps a generic interface counters record (88 bytes at {@code r}) unless an older one. */
    synchronized void interfaceCounters(ByteBuffer b, int r, long sequence, long now) {
        long ifIndex = b.getInt(r) & MASK32;
        Interface e = interfaces.get(ifIndex);
        if (e == null) {
            if (retired || !table.reserveInterface()) {
                return;
            }
            e = new Interface();
            interfaces.put(ifIndex, e);
        } else {
            long behind = (e.sequence - sequence) & MASK32;
            if (behind != 0 && behind <= REORDER_WINDOW) {
                return; // an older sample arriving late
            }
        }
        b.get(r, e.record);
        e.sequence = sequence;
        e.updated = now;
    }

    /** Forgets everything and gives the budget back: the table dropped this agent. */
    synchronized void retire() {
        retired = true;
        forgetSources();
        table.releaseInterfaces(interfaces.size());
        interfaces.clear();
    }

    private void forgetSources() {
        table.releaseSources(sources.size());
        sources.clear();
    }

    synchronized AgentStatus status() {
        return new AgentStatus(address(), key.subAgent() & MASK32, datagrams, lastSequence, missingDatagrams, restarts,
                flowSamples, counterSamples, missingSamples, agentDrops, poolPackets, sampledPackets, sources.size(),
                interfaces.size(), lastUptime, firstSeen, lastSeen);
    }

    synchronized void interfaces(List<InterfaceCounters> out, long ifIndex) {
        String agent = address();
        interfaces.forEach(e -> {
            ByteBuffer r = ByteBuffer.wrap(e.record);
            if (ifIndex < 0 || (r.getInt(0) & MASK32) == ifIndex) {
                out.add(counters(agent, key.subAgent() & MASK32, r, e.sequence, e.updated));
            }
        });
    }

    String address() {
        return IpAddresses.format(key.hi(), key.lo());
    }

    private static InterfaceCounters counters(String agent, long subAgent, ByteBuffer r, long sequence, long updated) {
        int status = r.getInt(20);
        return new InterfaceCounters(agent, subAgent,
                u32(r, 0), u32(r, 4), r.getLong(8), r.getInt(16),
                (status & 1) != 0, (status & 2) != 0, r.getInt(84) != 0,
                r.getLong(24), u32(r, 32), u32(r, 36), u32(r, 40), u32(r, 44), u32(r, 48), u32(r, 52),
                r.getLong(56), u32(r, 64), u32(r, 68), u32(r, 72), u32(r, 76), u32(r, 80),
                sequence, updated);
    }

    private static long u32(ByteBuffer b, int i) {
        return b.getInt(i) & MASK32;
    }
}
