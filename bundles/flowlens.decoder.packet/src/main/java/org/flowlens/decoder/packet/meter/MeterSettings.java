package org.flowlens.decoder.packet.meter;

/**
 * Settings of a {@link FlowMeter}: timeouts, table size, keying, filter. A plain mutable holder;
 * the meter copies the values when it is created or reconfigured. Defaults suit live capture;
 * {@link #softflowd()} gives softflowd 1.1.0's defaults, which reproduce its flow records.
 */
public final class MeterSettings {

    private int maxSessions = 262_144;
    private long tcpIdleSeconds = 300;
    private long udpIdleSeconds = 60;
    private long icmpIdleSeconds = 30;
    private long otherIdleSeconds = 60;
    private long tcpFinSeconds = 10;
    private long tcpRstSeconds = 5;
    private long activeSeconds = 300;
    private long updateMillis = 500;
    private long sweepMillis = 1000;
    private boolean icmpTypeCodeInKey = true;
    private boolean restartOnSyn = true;
    private boolean sniffNames = true;
    private long serverNameTtlSeconds = 3600;
    private int batchSize = 256;
    private boolean decapsulateTunnels;
    private PacketFilter filter = PacketFilter.NONE;

    /**
     * softflowd 1.1.0's defaults: TCP 3600 s, after RST 120 s, after FIN both ways 300 s, UDP and
     * ICMP 300 s, others 3600 s, lifetime one week, expiry checks every 60 s, no restart of a closed
     * session on a new SYN, each session reported once when it ends (no updates).
     */
    public static MeterSettings softflowd() {
        return new MeterSettings().tcpIdleSeconds(3600).tcpRstSeconds(120).tcpFinSeconds(300).udpIdleSeconds(300)
                .icmpIdleSeconds(300).otherIdleSeconds(3600).activeSeconds(7 * 24 * 3600).sweepMillis(60_000)
                .restartOnSyn(false).updateMillis(0);
    }

    /**
     * How softflowd 1.1.0 behaves when it reads a file with {@code -r}: it checks its timeouts
     * against the wall clock, so a file read in less time than its timeouts ends no session before
     * the end of the file. These settings reproduce its records for such files (no session ends
     * before {@link FlowMeter#expireAll()}), with its keying (ICMP by type and code, no restart on
     * SYN).
     */
    public static MeterSettings softflowdOffline() {
        long never = 100L * 365 * 24 * 3600;
        return softflowd().tcpIdleSeconds(never).tcpRstSeconds(never).tcpFinSeconds(never).udpIdleSeconds(never)
                .icmpIdleSeconds(never).otherIdleSeconds(never).activeSeconds(never);
    }

    public MeterSettings copy() {
        MeterSettings s = new MeterSettings();
        s.maxSessions = maxSessions;
        s.tcpIdleSeconds = tcpIdleSeconds;
        s.udpIdleSeconds = udpIdleSeconds;
        s.icmpIdleSeconds = icmpIdleSeconds;
        s.otherIdleSeconds = otherIdleSeconds;
        s.tcpFinSeconds = tcpFinSeconds;
        s.tcpRstSeconds = tcpRstSeconds;
        s.activeSeconds = activeSeconds;
        s.updateMillis = updateMillis;
        s.sweepMillis = sweepMillis;
        s.icmpTypeCodeInKey = icmpTypeCodeInKey;
        s.restartOnSyn = restartOnSyn;
        s.sniffNames = sniffNames;
        s.serverNameTtlSeconds = serverNameTtlSeconds;
        s.batchSize = batchSize;
        s.decapsulateTunnels = decapsulateTunnels;
        s.filter = filter;
        return s;
    }

    /** Throws IllegalArgumentException naming the first value out of range. */
    public void validate() {
        check(maxSessions >= 16 && maxSessions <= 1 << 28, "maxSessions must be 16..268435456: " + maxSessions);
        check(tcpIdleSeconds > 0, "tcpIdleSeconds must be positive: " + tcpIdleSeconds);
        check(udpIdleSeconds > 0, "udpIdleSeconds must be positive: " + udpIdleSeconds);
        check(icmpIdleSeconds > 0, "icmpIdleSeconds must be positive: " + icmpIdleSeconds);
        check(otherIdleSeconds > 0, "otherIdleSeconds must be positive: " + otherIdleSeconds);
        check(tcpFinSeconds >= 0, "tcpFinSeconds must not be negative: " + tcpFinSeconds);
        check(tcpRstSeconds >= 0, "tcpRstSeconds must not be negative: " + tcpRstSeconds);
        check(activeSeconds > 0, "activeSeconds must be positive: " + activeSeconds);
        check(updateMillis >= 0 && updateMillis <= 3_600_000L, "updateMillis must be 0..3600000: " + updateMillis);
        check(sweepMillis > 0, "sweepMillis must be positive: " + sweepMillis);
        check(serverNameTtlSeconds >= 0, "serverNameTtlSeconds must not be negative: " + serverNameTtlSeconds);
        check(batchSize >= 1 && batchSize <= 65536, "batchSize must be 1..65536: " + batchSize);
        check(filter != null, "filter must not be null");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public int maxSessions() { return maxSessions; }

    /** Sessions tracked at most; when full, the least recently active one is expired early (an eviction). */
    public MeterSettings maxSessions(int v) { maxSessions = v; return this; }

    public long tcpIdleSeconds() { return tcpIdleSeconds; }

    public MeterSettings tcpIdleSeconds(long v) { tcpIdleSeconds = v; return this; }

    public long udpIdleSeconds() { return udpIdleSeconds; }

    public MeterSettings udpIdleSeconds(long v) { udpIdleSeconds = v; return this; }

    public long icmpIdleSeconds() { return icmpIdleSeconds; }

    public MeterSettings icmpIdleSeconds(long v) { icmpIdleSeconds = v; return this; }

    public long otherIdleSeconds() { return otherIdleSeconds; }

    public MeterSettings otherIdleSeconds(long v) { otherIdleSeconds = v; return this; }

    public long tcpFinSeconds() { return tcpFinSeconds; }

    /** Idle time after which a TCP session that saw FIN in both directions ends. */
    public MeterSettings tcpFinSeconds(long v) { tcpFinSeconds = v; return this; }

    public long tcpRstSeconds() { return tcpRstSeconds; }

    /** Idle time after which a TCP session that saw RST ends. */
    public MeterSettings tcpRstSeconds(long v) { tcpRstSeconds = v; return this; }

    public long activeSeconds() { return activeSeconds; }

    /**
     * A session whose record would cover more than this is reported and started afresh (active
     * timeout). With updates on (a shorter {@link #updateMillis(long)}) no record grows this long.
     */
    public MeterSettings activeSeconds(long v) { activeSeconds = v; return this; }

    public long updateMillis() { return updateMillis; }

    /**
     * Update interval: a session still open reports what it carried since its last report (bytes,
     * packets, TCP flags of those packets) at most this long after the first packet not yet reported,
     * so that consumers see new sessions and ongoing traffic within this time; the record it leaves
     * when it ends carries the rest, and the records of a session add up to its exact totals. A
     * session without new packets reports nothing. 0 reports each session once, when it ends (then
     * the active timeout splits long sessions). The default, 500 ms, lets detectors see a scan's
     * probes within a second of the first one.
     */
    public MeterSettings updateMillis(long v) { updateMillis = v; return this; }

    public long sweepMillis() { return sweepMillis; }

    /** How often (packet clock) idle sessions are looked for. */
    public MeterSettings sweepMillis(long v) { sweepMillis = v; return this; }

    public boolean icmpTypeCodeInKey() { return icmpTypeCodeInKey; }

    /** Key ICMP by type and code (carried as destination port type*256+code, as NetFlow does). */
    public MeterSettings icmpTypeCodeInKey(boolean v) { icmpTypeCodeInKey = v; return this; }

    public boolean restartOnSyn() { return restartOnSyn; }

    /** A SYN on a closed (FIN/RST) session ends it and starts a new one (port reuse). */
    public MeterSettings restartOnSyn(boolean v) { restartOnSyn = v; return this; }

    public boolean sniffNames() { return sniffNames; }

    /** Learn names from DNS responses, TLS ClientHello and HTTP Host headers. */
    public MeterSettings sniffNames(boolean v) { sniffNames = v; return this; }

    public long serverNameTtlSeconds() { return serverNameTtlSeconds; }

    /** How long a name seen in TLS or HTTP stays valid for its server address. */
    public MeterSettings serverNameTtlSeconds(long v) { serverNameTtlSeconds = v; return this; }

    public int batchSize() { return batchSize; }

    /** Records per batch handed to the sink. */
    public MeterSettings batchSize(int v) { batchSize = v; return this; }

    public boolean decapsulateTunnels() { return decapsulateTunnels; }

    /** Meter the packets inside GRE, VXLAN, IP-in-IP and MPLS pseudowires instead of the tunnels. */
    public MeterSettings decapsulateTunnels(boolean v) { decapsulateTunnels = v; return this; }

    public PacketFilter filter() { return filter; }

    public MeterSettings filter(PacketFilter v) { filter = v; return this; }
}
