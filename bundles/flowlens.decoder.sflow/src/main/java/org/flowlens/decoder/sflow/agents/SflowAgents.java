package org.flowlens.decoder.sflow.agents;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The sFlow agents heard from and their latest interface counters, as the decoder keeps them
 * (bounded: agents idle past the configured timeout, or beyond the configured limits, are
 * forgotten). Counter samples are kept here only: they are never counted as traffic.
 */
@ProviderType
public interface SflowAgents {
    /** Every agent (address and sub-agent) with state, ordered by address then sub-agent. */
    List<AgentStatus> agents();

    /** The latest counters of every interface of every agent, ordered by agent then ifIndex. */
    List<InterfaceCounters> interfaces();

    /**
     * The latest counters of the interfaces one agent reported (any sub-agent), ordered by
     * ifIndex; empty when the agent is unknown or {@code agent} is not a numeric address.
     *
     * @param agent the agent address as text, IPv4 or IPv6
     */
    List<InterfaceCounters> interfaces(String agent);

    /** The latest counters of one interface of one agent (any sub-agent). */
    Optional<InterfaceCounters> interfaceCounters(String agent, long ifIndex);
}
