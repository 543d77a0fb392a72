package org.flowlens.decoder.sflow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.flowlens.decoder.sflow.agents.AgentStatus;
import org.flowlens.decoder.sflow.agents.InterfaceCounters;

/**
 * The agents with state, bounded three ways: agents, data sources and interfaces over all agents.
 * Agents silent past the idle timeout are forgotten, at most once a minute by a sweep that runs on
 * the decoding thread, and at once (at most once a second) when the table is full. An agent that
 * does not fit is decoded without state.
 */
final class AgentTable {
    /** Agent address (two longs, IPv4 mapped) and sub-agent. */
    record Key(long hi, long lo, int subAgent) {}

    /** The bounds, swapped as a whole on reconfiguration. */
    record Limits(int maxAgents, int maxSources, int maxInterfaces, long idleMillis) {}

    private static final long SWEEP_MILLIS = 60_000;
    private static final long FULL_SWEEP_MILLIS = 1_000;

    private static final Comparator<AgentStatus> ORDER = Comparator.comparing(AgentStatus::agent).thenComparingLong(AgentStatus::subAgent);

    private final Map<Key, Agent> agents = new ConcurrentHashMap<>();
    private final AtomicInteger sources = new AtomicInteger();
    private final AtomicInteger interfaces = new AtomicInteger();
    private volatile Limits limits;
    private volatile long nextSweep = Long.MIN_VALUE;
    private volatile long nextFullSweep = Long.MIN_VALUE;

    AgentTable(Limits limits) {
        this.limits = limits;
    }

    void limits(Limits next) {
        limits = next;
    }

    /** The agent's state, created on first sight; null when the table is full. */
    Agent agent(Key key, long now) {
        if (now >= nextSweep) {
            sweep(now, false);
        }
        Agent a = agents.get(key);
        if (a != null) {
            return a;
        }
        if (agents.size() >= limits.maxAgents()) {
            if (now >= nextFullSweep) {
                sweep(now, true);
            }
            if (agents.size() >= limits.maxAgents()) {
                return null;
            }
        }
        return agents.computeIfAbsent(key, k -> new Agent(k, this, now));
    }

    private synchronized void sweep(long now, boolean full) {
        if (full) {
            if (now < nextFullSweep) {
                return;
            }
            nextFullSweep = now + FULL_SWEEP_MILLIS;
        } else {
            if (now < nextSweep) {
                return;
            }
            nextSweep = now + SWEEP_MILLIS;
        }
        long idle = limits.idleMillis();
        for (Iterator<Agent> it = agents.values().iterator(); it.hasNext(); ) {
            Agent a = it.next();
            if (now - a.lastSeen() > idle) {
                it.remove();
                a.retire();
            }
        }
    }

    boolean reserveSource() {
        return reserve(sources, limits.maxSources());
    }

    boolean reserveInterface() {
        return reserve(interfaces, limits.maxInterfaces());
    }

    void releaseSources(int n) {
        sources.addAndGet(-n);
    }

    void releaseInterfaces(int n) {
        interfaces.addAndGet(-n);
    }

    private static boolean reserve(AtomicInteger used, int max) {
        for (;;) {
            int n = used.get();
            if (n >= max) {
                return false;
            }
            if (used.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    int size() {
        return agents.size();
    }

    int sources() {
        return sources.get();
    }

    int interfaces() {
        return interfaces.get();
    }

    List<AgentStatus> statuses() {
        List<AgentStatus> out = new ArrayList<>();
        for (Agent a : agents.values()) {
            out.add(a.status());
        }
        out.sort(ORDER);
        return out;
    }

    /** Interface counters of every agent, or of the agents at {@code hi}/{@code lo} when {@code all} is false. */
    List<InterfaceCounters> interfaces(boolean all, long hi, long lo, long ifIndex) {
        List<InterfaceCounters> out = new ArrayList<>();
        for (Agent a : agents.values()) {
            if (all || (a.key.hi() == hi && a.key.lo() == lo)) {
                a.interfaces(out, ifIndex);
            }
        }
        out.sort(Comparator.comparing(InterfaceCounters::agent).thenComparingLong(InterfaceCounters::ifIndex)
                .thenComparingLong(InterfaceCounters::subAgent));
        return out;
    }
}
