package org.flowlens.decoder.sflow.agents;

/**
 * The latest generic interface counters (sFlow counter record 0:1, the IF-MIB counters) an agent
 * reported for one interface. Counters are the agent's own cumulative values: 32-bit ones wrap.
 *
 * @param agent the agent address as text
 * @param subAgent the sub-agent that reported them
 * @param ifIndex the interface index
 * @param ifType IANA ifType (6 is Ethernet)
 * @param ifSpeed bits per second
 * @param ifDirection 0 unknown, 1 full-duplex, 2 half-duplex, 3 in, 4 out
 * @param adminUp ifAdminStatus is up
 * @param operUp ifOperStatus is up
 * @param promiscuous ifPromiscuousMode
 * @param counterSequence the sequence number of the counter sample that carried them
 * @param updatedMillis when that sample was received, epoch milliseconds
 */
public record InterfaceCounters(
        String agent,
        long subAgent,
        long ifIndex,
        long ifType,
        long ifSpeed,
        int ifDirection,
        boolean adminUp,
        boolean operUp,
        boolean promiscuous,
        long inOctets,
        long inUnicastPackets,
        long inMulticastPackets,
        long inBroadcastPackets,
        long inDiscards,
        long inErrors,
        long inUnknownProtocols,
        long outOctets,
        long outUnicastPackets,
        long outMulticastPackets,
        long outBroadcastPackets,
        long outDiscards,
        long outErrors,
        long counterSequence,
        long updatedMillis) {}
