package org.flowlens.decoder.sflow;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.decode.WireVersion;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.decoder.packet.PacketInfo;
import org.flowlens.decoder.packet.PacketParser;
import org.flowlens.decoder.sflow.agents.AgentStatus;
import org.flowlens.decoder.sflow.agents.InterfaceCounters;
import org.flowlens.decoder.sflow.agents.SflowAgents;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sFlow version 5 (sflow.org, "sFlow Version 5", July 2004).
 *
 * <p><b>Flow samples</b> (compact 0:1 and expanded 0:3) become one record per raw packet header
 * record (0:1): the sampled header is parsed by the shared {@link PacketParser} (header protocols
 * Ethernet, IPv4 and IPv6), and the extended switch (0:1001: VLAN), router (0:1002: next hop,
 * masks) and gateway (0:1003: AS numbers, BGP next hop) records of the same sample complete it. A
 * sample without a raw header but with a sampled IPv4 (0:3) or IPv6 (0:4) record becomes one
 * record from that. Each record stands for {@code sampling_rate} packets: packets and bytes are
 * scaled by it and the rate is kept on the record.
 *
 * <p><b>Bytes</b> are the {@code frame_length} the agent reports in the raw header record: the
 * length of the packet as the agent saw it, for an Ethernet header the layer-2 frame (usually with
 * its 4-byte FCS), for a raw IPv4/IPv6 header the IP length. It is what the agent measured for
 * every sampled packet, whatever the header it kept; it is also what both reference decoders count
 * (tshark's sampled frame bytes and estimates, sfacctd's bytes), so totals compare one to one. The
 * {@code ipBytes} option counts the IP length announced by the sampled IP header instead, layer 3
 * as NetFlow and IPFIX records are.
 *
 * <p><b>Counter samples</b> (0:2, 0:4) are never traffic: the generic interface counters record
 * (0:1) is kept, the latest per agent, sub-agent and ifIndex, and served through {@link
 * SflowAgents}; other counter records are skipped.
 *
 * <p><b>Loss</b>: datagram sequence numbers are tracked per agent and sub-agent; a gap is
 * reported through {@link DecodeContext#sequenceGap} in datagrams, and an uptime going back is a
 * restart, not a loss. The samples the agent itself dropped (increases of a flow sample's {@code
 * drops}) are reported through {@link DecodeContext#drop} as {@code agent_dropped}. Per data
 * source, sample sequence gaps count the flow samples missing, and the increase of {@code
 * sample_pool} is summed against the sampling rates of the samples received, which gives the
 * share of the sampled traffic the received samples cover; both are in the agent's status.
 *
 * <p><b>Exporter</b>: the agent address of the datagram, IPv4 or IPv6; the UDP source only when
 * the datagram carries none (address type 0 or an all-zero address).
 *
 * <p>Unknown sample and record formats and enterprise-specific ones are skipped by their length.
 * Every length is checked against its container: a datagram, sample or record that does not fit
 * is counted by reason and skipped; nothing throws, every loop is bounded by the bytes present,
 * and the per-agent state is bounded by the configured limits.
 */
@Component(
        service = {FlowDecoder.class, SflowAgents.class, ConfigurationCheck.class},
        configurationPid = SflowDecoder.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            ConfigurationCheck.PID + "=" + SflowDecoder.PID,
            FlowDecoder.FORMAT + "=sflow",
            FlowDecoder.VERSIONS + ":Integer=" + WireVersion.SFLOW_V5
        })
@Designate(ocd = SflowDecoder.Config.class)
public class SflowDecoder implements FlowDecoder, SflowAgents, ConfigurationCheck {
    static final String PID = "flowlens.decoder.sflow";

    @ObjectClassDefinition(
            name = "Flowlens sFlow v5 decoder",
            description = "Decodes sFlow version 5: flow samples into sampled flow records, counter samples into the"
                    + " latest interface counters per agent.")
    public @interface Config {
        @AttributeDefinition(
                name = "Count IP bytes",
                description = "Count the IP length of each sampled packet (layer 3, as NetFlow and IPFIX do) instead of"
                        + " the frame length the agent reports (layer 2, as tshark and sfacctd do).")
        boolean ipBytes() default false;

        @AttributeDefinition(
                name = "Maximum agents",
                description = "Agents (address and sub-agent) with sequence and counter state; datagrams of further"
                        + " agents are decoded without it until idle ones are forgotten.",
                min = "1")
        int maxAgents() default 10_000;

        @AttributeDefinition(
                name = "Maximum data sources",
                description = "Data sources (sampled interfaces or VLANs) with sample sequence state, over all agents.",
                min = "1")
        int maxSources() default 100_000;

        @AttributeDefinition(
                name = "Maximum interfaces",
                description = "Interfaces whose latest counters are kept, over all agents.",
                min = "1")
        int maxInterfaces() default 100_000;

        @AttributeDefinition(
                name = "Agent idle timeout (s)",
                description = "An agent silent for this long is forgotten with its counters.",
                min = "1")
        int agentIdleSeconds() default 3600;
    }

    /** Drop reasons reported through {@link DecodeContext#drop}. */
    static final String TRUNCATED = "truncated";
    static final String BAD_VERSION = "bad_version";
    static final String BAD_ADDRESS = "bad_address_type";
    static final String BAD_RECORD = "bad_record";
    static final String BAD_COUNTER_SAMPLE = "bad_counter_sample";
    static final String UNSUPPORTED_HEADER = "unsupported_header";
    static final String NO_PACKET_RECORD = "no_packet_record";
    static final String AGENT_DROPPED = "agent_dropped";
    static final String DECODER_ERROR = "decoder_error";

    static final String FORMAT_NAME = "sflow_v5";

    /** The most samples (or records) a datagram of 64 KiB can hold: at least 8 bytes each. */
    static final int MAX_ITEMS = 65_536 / 8;

    private static final long MASK32 = 0xFFFF_FFFFL;
    /** ifIndex value meaning "internal to the agent" or "unknown". */
    private static final int IF_INTERNAL = 0x3FFF_FFFF;

    private static final int HEADER_ETHERNET = 1;
    private static final int HEADER_IPV4 = 11;
    private static final int HEADER_IPV6 = 12;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int LINKTYPE_IPV4 = 228;
    private static final int LINKTYPE_IPV6 = 229;

    private static final Logger LOG = LoggerFactory.getLogger(SflowDecoder.class);

    private final PacketParser parser = new PacketParser();
    private final AgentTable table;
    private volatile boolean ipBytes;

    /** A decoder with the default configuration (also what DS uses before activation). */
    public SflowDecoder() {
        table = new AgentTable(new AgentTable.Limits(10_000, 100_000, 100_000, 3600_000L));
    }

    /** What is wrong with a configuration, null when nothing is. */
    static String problem(Config config) {
        if (config.maxAgents() < 1 || config.maxSources() < 1 || config.maxInterfaces() < 1 || config.agentIdleSeconds() < 1) {
            return "maxAgents (" + config.maxAgents() + "), maxSources (" + config.maxSources() + "), maxInterfaces ("
                    + config.maxInterfaces() + ") and agentIdleSeconds (" + config.agentIdleSeconds() + ") must be at least 1";
        }
        return null;
    }

    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return problem(Configs.of(Config.class, properties));
    }

    @Activate
    @Modified
    void configure(Config config) {
        String problem = problem(config);
        if (problem != null) {
            LOG.error("sFlow decoder configuration refused: {}; keeping the previous configuration", problem);
            return;
        }
        ipBytes = config.ipBytes();
        table.limits(new AgentTable.Limits(config.maxAgents(), config.maxSources(), config.maxInterfaces(),
                config.agentIdleSeconds() * 1000L));
        LOG.info("sFlow decoder configured: ipBytes={} maxAgents={} maxSources={} maxInterfaces={} agentIdleSeconds={}",
                config.ipBytes(), config.maxAgents(), config.maxSources(), config.maxInterfaces(), config.agentIdleSeconds());
    }

    // ---------------------------------------------------------------- SflowAgents

    @Override
    public List<AgentStatus> agents() {
        return table.statuses();
    }

    @Override
    public List<InterfaceCounters> interfaces() {
        return table.interfaces(true, 0, 0, -1);
    }

    @Override
    public List<InterfaceCounters> interfaces(String agent) {
        long[] a = address(agent);
        return a == null ? List.of() : table.interfaces(false, a[0], a[1], -1);
    }

    @Override
    public Optional<InterfaceCounters> interfaceCounters(String agent, long ifIndex) {
        long[] a = address(agent);
        if (a == null || ifIndex < 0) {
            return Optional.empty();
        }
        List<InterfaceCounters> found = table.interfaces(false, a[0], a[1], ifIndex);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private static long[] address(String text) {
        try {
            return IpAddresses.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Data sources and interfaces with state over all agents (for tests and status). */
    int trackedSources() {
        return table.sources();
    }

    int trackedInterfaces() {
        return table.interfaces();
    }

    int trackedAgents() {
        return table.size();
    }

    // ---------------------------------------------------------------- decoding

    /** What one datagram shares with its samples. */
    private static final class Datagram {
        final PacketInfo info = new PacketInfo();
        DecodeContext ctx;
        FlowBatch out;
        Agent agent;
        long agentHi;
        long agentLo;
        int subAgent;
        long now;
        boolean ipBytes;
    }

    @Override
    public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
        try {
            ByteBuffer b = datagram.order() == ByteOrder.BIG_ENDIAN ? datagram : datagram.duplicate().order(ByteOrder.BIG_ENDIAN);
            decodeDatagram(b, b.position(), b.limit(), context, out);
        } catch (RuntimeException e) {
            // every read above is bounds-checked; this is the last line of defence
            context.drop(DECODER_ERROR, 1);
            LOG.debug("sFlow datagram from {} rejected", context.exporter(), e);
        }
    }

    private void decodeDatagram(ByteBuffer b, int p, int end, DecodeContext ctx, FlowBatch out) {
        if (end - p < 8) {
            ctx.drop(TRUNCATED, 1);
            return;
        }
        if (b.getInt(p) != 5) {
            ctx.drop(BAD_VERSION, 1);
            return;
        }
        Datagram d = new Datagram();
        int addressType = b.getInt(p + 4);
        int q = p + 8;
        boolean fromUdp;
        switch (addressType) {
            case 0 -> fromUdp = true;
            case 1 -> {
                if (end - q < 4) {
                    ctx.drop(TRUNCATED, 1);
                    return;
                }
                int v4 = b.getInt(q);
                d.agentLo = IpAddresses.v4Lo(v4);
                fromUdp = v4 == 0;
                q += 4;
            }
            case 2 -> {
                if (end - q < 16) {
                    ctx.drop(TRUNCATED, 1);
                    return;
                }
                d.agentHi = b.getLong(q);
                d.agentLo = b.getLong(q + 8);
                fromUdp = d.agentHi == 0 && d.agentLo == 0;
                q += 16;
            }
            default -> {
                ctx.drop(BAD_ADDRESS, 1);
                return;
            }
        }
        if (end - q < 16) {
            ctx.drop(TRUNCATED, 1);
            return;
        }
        if (fromUdp) {
            udpSource(ctx.exporter(), d);
        }
        d.subAgent = b.getInt(q);
        long sequence = b.getInt(q + 4) & MASK32;
        long uptime = b.getInt(q + 8) & MASK32;
        long samples = b.getInt(q + 12) & MASK32;
        q += 16;
        d.ctx = ctx;
        d.out = out;
        d.now = ctx.receivedMillis();
        d.ipBytes = ipBytes;
        d.agent = table.agent(new AgentTable.Key(d.agentHi, d.agentLo, d.subAgent), d.now);
        if (d.agent != null) {
            d.agent.datagram(sequence, uptime, d.now, ctx);
        }
        for (long i = 0; i < samples; i++) {
            if (end - q < 8) {
                ctx.drop(TRUNCATED, Math.min(samples - i, MAX_ITEMS));
                return;
            }
            int format = b.getInt(q);
            long length = b.getInt(q + 4) & MASK32;
            q += 8;
            if (length > end - q) {
                ctx.drop(TRUNCATED, Math.min(samples - i, MAX_ITEMS));
                return;
            }
            int s = q;
            q += (int) length;
            if (format >>> 12 != 0) {
                continue; // enterprise-specific sample: skipped by its length
            }
            switch (format & 0xFFF) {
                case 1 -> flowSample(b, s, q, false, d);
                case 3 -> flowSample(b, s, q, true, d);
                case 2 -> counterSample(b, s, q, false, d);
                case 4 -> counterSample(b, s, q, true, d);
                default -> {
                    // an unknown standard sample format: skipped by its length
                }
            }
        }
    }

    private static void udpSource(InetSocketAddress exporter, Datagram d) {
        InetAddress a = exporter == null ? null : exporter.getAddress();
        if (a != null) {
            long[] v = IpAddresses.of(a);
            d.agentHi = v[0];
            d.agentLo = v[1];
        }
    }

    /** The ifIndex of an interface field: 0 when discarded, multiple, internal or unknown. */
    private static int ifIndex(int format, int value) {
        return format == 0 && value != IF_INTERNAL ? value : 0;
    }

    private void flowSample(ByteBuffer b, int s, int end, boolean expanded, Datagram d) {
        int header = expanded ? 44 : 32;
        if (end - s < header) {
            d.ctx.drop(TRUNCATED, 1);
            return;
        }
        long sequence = b.getInt(s) & MASK32;
        long source;
        int samplerId;
        long rate, pool, drops, records;
        int inIf, outIf;
        if (expanded) {
            int type = b.getInt(s + 4);
            samplerId = b.getInt(s + 8);
            source = ((long) type << 32) | (samplerId & MASK32);
            rate = b.getInt(s + 12) & MASK32;
            pool = b.getInt(s + 16) & MASK32;
            drops = b.getInt(s + 20) & MASK32;
            inIf = ifIndex(b.getInt(s + 24), b.getInt(s + 28));
            outIf = ifIndex(b.getInt(s + 32), b.getInt(s + 36));
            records = b.getInt(s + 40) & MASK32;
        } else {
            int id = b.getInt(s + 4);
            samplerId = id & 0xFF_FFFF;
            source = ((long) (id >>> 24) << 32) | samplerId;
            rate = b.getInt(s + 8) & MASK32;
            pool = b.getInt(s + 12) & MASK32;
            drops = b.getInt(s + 16) & MASK32;
            int in = b.getInt(s + 20);
            int out = b.getInt(s + 24);
            inIf = ifIndex(in >>> 30, in & 0x3FFF_FFFF);
            outIf = ifIndex(out >>> 30, out & 0x3FFF_FFFF);
            records = b.getInt(s + 28) & MASK32;
        }
        if (rate == 0) {
            rate = 1; // not a valid rate: the sample stands for itself
        }
        int first = s + header;

        // first pass: check the record list and find the records that complete the raw headers
        int raw = 0, sw = -1, router = -1, routerEnd = 0, gateway = -1, gatewayEnd = 0, ip4 = -1, ip6 = -1, eth = -1;
        int r = first;
        for (long i = 0; i < records; i++) {
            if (end - r < 8) {
                d.ctx.drop(TRUNCATED, 1);
                return;
            }
            int format = b.getInt(r);
            long length = b.getInt(r + 4) & MASK32;
            r += 8;
            if (length > end - r) {
                d.ctx.drop(TRUNCATED, 1);
                return;
            }
            int data = r;
            r += (int) length;
            if (format >>> 12 != 0) {
                continue; // enterprise-specific record: skipped by its length
            }
            int need;
            switch (format & 0xFFF) {
                case 1 -> { raw++; need = 16; }
                case 2 -> { eth = data; need = 24; }
                case 3 -> { ip4 = data; need = 32; }
                case 4 -> { ip6 = data; need = 56; }
                case 1001 -> { sw = data; need = 16; }
                case 1002 -> { router = data; routerEnd = r; need = 12; }
                case 1003 -> { gateway = data; gatewayEnd = r; need = 20; }
                default -> need = 0; // an unknown standard record: skipped by its length
            }
            if (length < need) {
                d.ctx.drop(BAD_RECORD, 1);
                return;
            }
        }

        if (d.agent != null) {
            d.agent.flowSample(source, sequence, rate, pool, drops, d.ctx);
        }

        // second pass: one record per raw packet header
        int emitted = 0;
        int unsupported = 0;
        r = first;
        for (int i = 0; i < raw; ) {
            int format = b.getInt(r);
            int length = b.getInt(r + 4);
            int data = r + 8;
            r = data + length;
            if (format != 1) {
                continue;
            }
            i++;
            FlowRecord f = rawHeader(b, data, length, rate, d);
            if (f == null) {
                unsupported++;
                continue;
            }
            common(f, d, samplerId, rate, inIf, outIf);
            extended(b, f, sw, router, routerEnd, gateway, gatewayEnd);
            emitted++;
        }
        if (emitted > 0) {
            return;
        }
        // no usable raw header: the sampled IPv4 or IPv6 record, when there is one
        if (ip4 < 0 && ip6 < 0) {
            d.ctx.drop(unsupported > 0 ? UNSUPPORTED_HEADER : NO_PACKET_RECORD, 1);
            return;
        }
        FlowRecord f = d.out.next();
        if (ip4 >= 0) {
            sampledIpv4(b, ip4, rate, f);
        } else {
            sampledIpv6(b, ip6, rate, f);
        }
        if (eth >= 0) {
            f.srcMac(mac(b, eth + 4)).dstMac(mac(b, eth + 12));
        }
        common(f, d, samplerId, rate, inIf, outIf);
        extended(b, f, sw, router, routerEnd, gateway, gatewayEnd);
    }

    /** The record of a raw packet header record, or null when its header protocol is not supported. */
    private FlowRecord rawHeader(ByteBuffer b, int data, int length, long rate, Datagram d) {
        int protocol = b.getInt(data);
        long frameLength = b.getInt(data + 4) & MASK32;
        long headerLength = b.getInt(data + 12) & MASK32;
        int linkType;
        switch (protocol) {
            case HEADER_ETHERNET -> linkType = LINKTYPE_ETHERNET;
            case HEADER_IPV4 -> linkType = LINKTYPE_IPV4;
            case HEADER_IPV6 -> linkType = LINKTYPE_IPV6;
            default -> {
                return null;
            }
        }
        int captured = (int) Math.min(headerLength, length - 16);
        PacketInfo pi = d.info;
        parser.parse(b, data + 16, captured, linkType, pi);
        FlowRecord f = d.out.next();
        f.srcMac(pi.srcMac()).dstMac(pi.dstMac()).vlan(pi.vlan());
        long counted = frameLength;
        if (pi.ipVersion() != 0) {
            f.src(pi.srcHi(), pi.srcLo()).dst(pi.dstHi(), pi.dstLo()).protocol(pi.protocol()).tos(pi.tos()).tcpFlags(pi.tcpFlags());
            if (pi.icmpType() >= 0) {
                f.dstPort(pi.icmpType() << 8 | pi.icmpCode());
            } else {
                f.srcPort(pi.srcPort()).dstPort(pi.dstPort());
            }
            if (d.ipBytes) {
                counted = pi.ipLength();
            }
        }
        f.packets(rate).bytes(scale(counted, rate));
        return f;
    }

    private static void sampledIpv4(ByteBuffer b, int r, long rate, FlowRecord f) {
        long length = b.getInt(r) & MASK32;
        f.protocol(b.getInt(r + 4) & 0xFF)
                .srcV4(b.getInt(r + 8))
                .dstV4(b.getInt(r + 12))
                .srcPort(b.getInt(r + 16) & 0xFFFF)
                .dstPort(b.getInt(r + 20) & 0xFFFF)
                .tcpFlags(b.getInt(r + 24) & 0xFF)
                .tos(b.getInt(r + 28) & 0xFF)
                .packets(rate)
                .bytes(scale(length, rate));
    }

    private static void sampledIpv6(ByteBuffer b, int r, long rate, FlowRecord f) {
        long length = b.getInt(r) & MASK32;
        f.protocol(b.getInt(r + 4) & 0xFF)
                .src(b.getLong(r + 8), b.getLong(r + 16))
                .dst(b.getLong(r + 24), b.getLong(r + 32))
                .srcPort(b.getInt(r + 40) & 0xFFFF)
                .dstPort(b.getInt(r + 44) & 0xFFFF)
                .tcpFlags(b.getInt(r + 48) & 0xFF)
                .tos(b.getInt(r + 52) & 0xFF)
                .packets(rate)
                .bytes(scale(length, rate));
    }

    private static void common(FlowRecord f, Datagram d, int samplerId, long rate, int inIf, int outIf) {
        f.format(FORMAT_NAME)
                .receivedMillis(d.now)
                .startMillis(d.now)
                .endMillis(d.now)
                .exporter(d.agentHi, d.agentLo)
                .observationDomain(d.subAgent & MASK32)
                .samplerId(samplerId)
                .samplingRate(rate)
                .inIf(inIf)
                .outIf(outIf);
    }

    /** Applies the extended switch, router and gateway records of the sample. */
    private static void extended(ByteBuffer b, FlowRecord f, int sw, int router, int routerEnd, int gateway, int gatewayEnd) {
        if (sw >= 0) {
            long srcVlan = b.getInt(sw) & MASK32;
            long dstVlan = b.getInt(sw + 8) & MASK32;
            long vlan = srcVlan != 0 ? srcVlan : dstVlan;
            if (vlan != 0 && vlan < 4096) {
                f.vlan((int) vlan);
            }
        }
        if (router >= 0) {
            int q = nextHop(b, router, routerEnd, f, true);
            if (q >= 0 && routerEnd - q >= 8) {
                f.srcMask(mask(b.getInt(q))).dstMask(mask(b.getInt(q + 4)));
            }
        }
        if (gateway >= 0) {
            // the router's (IGP) next hop wins over the gateway's BGP next hop
            gateway(b, gateway, gatewayEnd, f, f.nextHopHi() == 0 && f.nextHopLo() == 0);
        }
    }

    private static int mask(int bits) {
        return bits >= 0 && bits <= 128 ? bits : 0;
    }

    /**
     * Reads an sFlow address at {@code r} into the record's next hop when {@code set}; returns the
     * offset after it, or -1 when it does not fit or has an unknown type.
     */
    private static int nextHop(ByteBuffer b, int r, int end, FlowRecord f, boolean set) {
        if (end - r < 4) {
            return -1;
        }
        int type = b.getInt(r);
        if (type == 1 && end - r >= 8) {
            if (set) {
                f.nextHop(0, IpAddresses.v4Lo(b.getInt(r + 4)));
            }
            return r + 8;
        }
        if (type == 2 && end - r >= 20) {
            if (set) {
                f.nextHop(b.getLong(r + 4), b.getLong(r + 12));
            }
            return r + 20;
        }
        if (type == 0) {
            return r + 4;
        }
        return -1;
    }

    /**
     * Extended gateway: the source AS is {@code src_as}, or the router's own AS when the source is
     * local (0); the destination AS is the last AS of the path, or the router's own AS when the
     * path is empty (a local destination). Segments are walked within the record's length.
     */
    private static void gateway(ByteBuffer b, int r, int end, FlowRecord f, boolean setNextHop) {
        int q = nextHop(b, r, end, f, setNextHop);
        if (q < 0 || end - q < 16) {
            return;
        }
        long routerAs = b.getInt(q) & MASK32;
        long srcAs = b.getInt(q + 4) & MASK32;
        long segments = b.getInt(q + 12) & MASK32;
        q += 16;
        long dstAs = routerAs;
        for (long i = 0; i < segments; i++) {
            if (end - q < 8) {
                break;
            }
            long count = b.getInt(q + 4) & MASK32;
            q += 8;
            if (count > (end - q) / 4) {
                break;
            }
            if (count > 0) {
                dstAs = b.getInt(q + (int) (count - 1) * 4) & MASK32;
            }
            q += (int) count * 4;
        }
        f.srcAs(srcAs != 0 ? srcAs : routerAs).dstAs(dstAs);
    }

    private static long mac(ByteBuffer b, int i) {
        return ((long) (b.getShort(i) & 0xFFFF) << 32) | (b.getInt(i + 2) & MASK32);
    }

    /** {@code count * rate}, saturating instead of overflowing on absurd values. */
    static long scale(long count, long rate) {
        if (((count | rate) >>> 31) == 0) {
            return count * rate;
        }
        long hi = Math.multiplyHigh(count, rate);
        long lo = count * rate;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    private void counterSample(ByteBuffer b, int s, int end, boolean expanded, Datagram d) {
        int header = expanded ? 16 : 12;
        if (end - s < header) {
            d.ctx.drop(BAD_COUNTER_SAMPLE, 1);
            return;
        }
        long sequence = b.getInt(s) & MASK32;
        long records = b.getInt(s + header - 4) & MASK32;
        Agent agent = d.agent;
        if (agent != null) {
            agent.counterSample();
        }
        int r = s + header;
        for (long i = 0; i < records; i++) {
            if (end - r < 8) {
                d.ctx.drop(BAD_COUNTER_SAMPLE, 1);
                return;
            }
            int format = b.getInt(r);
            long length = b.getInt(r + 4) & MASK32;
            r += 8;
            if (length > end - r) {
                d.ctx.drop(BAD_COUNTER_SAMPLE, 1);
                return;
            }
            int data = r;
            r += (int) length;
            if (format == 1 && length >= Agent.GENERIC_COUNTERS && agent != null) {
                agent.interfaceCounters(b, data, sequence, d.now);
            }
        }
    }
}
