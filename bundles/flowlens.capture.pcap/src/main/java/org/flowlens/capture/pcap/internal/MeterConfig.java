package org.flowlens.capture.pcap.internal;

import java.util.Arrays;
import java.util.List;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.flowlens.decoder.packet.meter.PacketFilter;

/** Builds meter settings from the metering attributes both capture components share. */
final class MeterConfig {

    private MeterConfig() {
    }

    /**
     * @throws IllegalArgumentException naming the value that is not valid
     */
    static MeterSettings settings(int maxSessions, long tcpIdle, long udpIdle, long icmpIdle, long otherIdle, long tcpFin,
            long tcpRst, long active, long updateMillis, boolean sniffNames, boolean decapsulate, boolean ignoreLocalhost,
            String[] ignorePorts, String[] ignoreNetworks, String[] onlyDomains, String[] protocols) {
        MeterSettings s = new MeterSettings().maxSessions(maxSessions).tcpIdleSeconds(tcpIdle).udpIdleSeconds(udpIdle)
                .icmpIdleSeconds(icmpIdle).otherIdleSeconds(otherIdle).tcpFinSeconds(tcpFin).tcpRstSeconds(tcpRst)
                .activeSeconds(active).updateMillis(updateMillis).sniffNames(sniffNames).decapsulateTunnels(decapsulate)
                .filter(PacketFilter.of(ignoreLocalhost, list(ignorePorts), list(ignoreNetworks), list(onlyDomains),
                        list(protocols)));
        s.validate();
        return s;
    }

    /** Accepts both repeated values and comma-separated ones. */
    static List<String> list(String[] values) {
        if (values == null) {
            return List.of();
        }
        return Arrays.stream(values).flatMap(v -> Arrays.stream(v.split(","))).map(String::trim)
                .filter(v -> !v.isEmpty()).toList();
    }
}
