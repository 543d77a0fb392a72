package org.flowlens.decoder.sflow.agents;

/**
 * What the decoder knows about one sFlow agent and sub-agent.
 *
 * @param agent the agent address as text (the UDP source when the datagram carried none)
 * @param subAgent the sub-agent id
 * @param datagrams datagrams decoded
 * @param lastSequence the datagram sequence number last seen
 * @param missingDatagrams datagrams missing according to the datagram sequence numbers
 * @param restarts times the agent restarted (its uptime went back)
 * @param flowSamples flow samples received (compact and expanded)
 * @param counterSamples counter samples received (compact and expanded)
 * @param missingSamples flow samples missing according to the per-source sample sequence numbers
 * @param agentDrops samples the agent itself reported dropping for lack of resources
 * @param samplePoolPackets packets the sampled sources saw between consecutive received samples
 *     (sum of {@code sample_pool} increases)
 * @param sampledPackets packets those received samples stand for (sum of their sampling rates);
 *     below {@code samplePoolPackets} when samples were lost on the way or in the agent
 * @param sources data sources (interfaces, VLANs) tracked for sequence numbers
 * @param interfaces interfaces with counters kept
 * @param uptimeMillis the agent's uptime in its last datagram
 * @param firstSeenMillis when the first datagram was received, epoch milliseconds
 * @param lastSeenMillis when the last datagram was received, epoch milliseconds
 */
public record AgentStatus(
        String agent,
        long subAgent,
        long datagrams,
        long lastSequence,
        long missingDatagrams,
        long restarts,
        long flowSamples,
        long counterSamples,
        long missingSamples,
        long agentDrops,
        long samplePoolPackets,
        long sampledPackets,
        int sources,
        int interfaces,
        long uptimeMillis,
        long firstSeenMillis,
        long lastSeenMillis) {}
