package org.flowlens.api.flow;

/**
 * One normalized, unidirectional flow: what every decoder produces and every consumer reads.
 *
 * <p>Records are plain mutable objects so that decoders fill them without allocating per field;
 * addresses are kept as two longs (IPv4 as IPv4-mapped IPv6, see {@link IpAddresses}). Once a
 * batch has been handed to the pipeline and enriched, consumers must treat its records as
 * read-only: the same instance is shared by every consumer.
 */
public final class FlowRecord {
    /** {@link #direction()} when the exporter did not say. */
    public static final int DIRECTION_UNKNOWN = -1;
    public static final int DIRECTION_INGRESS = 0;
    public static final int DIRECTION_EGRESS = 1;

    private String format;
    private long receivedMillis;
    private long startMillis;
    private long endMillis;
    private long exporterHi, exporterLo;
    private long observationDomain;
    private int samplerId;
    private long samplingRate = 1;
    private int inIf, outIf;
    private int direction = DIRECTION_UNKNOWN;
    private long srcHi, srcLo, dstHi, dstLo;
    private int srcPort, dstPort;
    private int protocol;
    private int tcpFlags;
    private int tos;
    private long bytes, packets;
    private long srcAs, dstAs;
    private int srcMask, dstMask;
    private long nextHopHi, nextHopLo;
    private int vlan;
    private long srcMac, dstMac;
    // enrichment
    private String srcCountry, dstCountry;
    private String srcCity, dstCity;
    private float srcLatitude = Float.NaN, srcLongitude = Float.NaN, dstLatitude = Float.NaN, dstLongitude = Float.NaN;
    private String srcAsName, dstAsName;
    private String srcDomain, dstDomain;
    private String inIfName, outIfName;

    /** The wire format the record came from, e.g. {@code netflow_v5}, {@code ipfix}, {@code sflow_v5}, {@code pcap}, {@code json}. */
    public String format() { return format; }
    public FlowRecord format(String v) { format = v; return this; }
    /** When the collector received the datagram or packet, epoch milliseconds. */
    public long receivedMillis() { return receivedMillis; }
    public FlowRecord receivedMillis(long v) { receivedMillis = v; return this; }
    /** First packet of the flow, epoch milliseconds. */
    public long startMillis() { return startMillis; }
    public FlowRecord startMillis(long v) { startMillis = v; return this; }
    /** Last packet of the flow, epoch milliseconds. */
    public long endMillis() { return endMillis; }
    public FlowRecord endMillis(long v) { endMillis = v; return this; }

    public long exporterHi() { return exporterHi; }
    public long exporterLo() { return exporterLo; }
    public FlowRecord exporter(long hi, long lo) { exporterHi = hi; exporterLo = lo; return this; }
    /** NetFlow v9 source id, IPFIX observation domain, sFlow sub-agent id. */
    public long observationDomain() { return observationDomain; }
    public FlowRecord observationDomain(long v) { observationDomain = v; return this; }
    public int samplerId() { return samplerId; }
    public FlowRecord samplerId(int v) { samplerId = v; return this; }
    /** 1 in N packets sampled; {@link #bytes()} and {@link #packets()} are already scaled by it. */
    public long samplingRate() { return samplingRate; }
    public FlowRecord samplingRate(long v) { samplingRate = v; return this; }
    public int inIf() { return inIf; }
    public FlowRecord inIf(int v) { inIf = v; return this; }
    public int outIf() { return outIf; }
    public FlowRecord outIf(int v) { outIf = v; return this; }
    public int direction() { return direction; }
    public FlowRecord direction(int v) { direction = v; return this; }

    public long srcHi() { return srcHi; }
    public long srcLo() { return srcLo; }
    public FlowRecord src(long hi, long lo) { srcHi = hi; srcLo = lo; return this; }
    public FlowRecord srcV4(int v4) { srcHi = 0; srcLo = IpAddresses.V4_MAPPED | (v4 & 0xFFFFFFFFL); return this; }
    public long dstHi() { return dstHi; }
    public long dstLo() { return dstLo; }
    public FlowRecord dst(long hi, long lo) { dstHi = hi; dstLo = lo; return this; }
    public FlowRecord dstV4(int v4) { dstHi = 0; dstLo = IpAddresses.V4_MAPPED | (v4 & 0xFFFFFFFFL); return this; }
    public boolean isIpv4() { return IpAddresses.isV4(srcHi, srcLo) && IpAddresses.isV4(dstHi, dstLo); }
    public int srcPort() { return srcPort; }
    public FlowRecord srcPort(int v) { srcPort = v; return this; }
    public int dstPort() { return dstPort; }
    public FlowRecord dstPort(int v) { dstPort = v; return this; }
    /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
    public int protocol() { return protocol; }
    public FlowRecord protocol(int v) { protocol = v; return this; }
    /** Cumulative OR of the TCP flags seen (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20). */
    public int tcpFlags() { return tcpFlags; }
    public FlowRecord tcpFlags(int v) { tcpFlags = v; return this; }
    public int tos() { return tos; }
    public FlowRecord tos(int v) { tos = v; return this; }
    /**
     * Bytes as the source measures them, scaled by the sampling rate: IP lengths for NetFlow,
     * IPFIX and packet capture, sampled frame lengths for sFlow (as sFlow agents and collectors
     * report them).
     */
    public long bytes() { return bytes; }
    public FlowRecord bytes(long v) { bytes = v; return this; }
    public long packets() { return packets; }
    public FlowRecord packets(long v) { packets = v; return this; }
    public long srcAs() { return srcAs; }
    public FlowRecord srcAs(long v) { srcAs = v; return this; }
    public long dstAs() { return dstAs; }
    public FlowRecord dstAs(long v) { dstAs = v; return this; }
    public int srcMask() { return srcMask; }
    public FlowRecord srcMask(int v) { srcMask = v; return this; }
    public int dstMask() { return dstMask; }
    public FlowRecord dstMask(int v) { dstMask = v; return this; }
    public long nextHopHi() { return nextHopHi; }
    public long nextHopLo() { return nextHopLo; }
    public FlowRecord nextHop(long hi, long lo) { nextHopHi = hi; nextHopLo = lo; return this; }
    public int vlan() { return vlan; }
    public FlowRecord vlan(int v) { vlan = v; return this; }
    /** 48-bit MAC address in the low bits, 0 when absent. */
    public long srcMac() { return srcMac; }
    public FlowRecord srcMac(long v) { srcMac = v; return this; }
    public long dstMac() { return dstMac; }
    public FlowRecord dstMac(long v) { dstMac = v; return this; }

    /** ISO 3166 country code, or a label such as {@code PRIVATE}; null when unknown. */
    public String srcCountry() { return srcCountry; }
    public FlowRecord srcCountry(String v) { srcCountry = v; return this; }
    public String dstCountry() { return dstCountry; }
    public FlowRecord dstCountry(String v) { dstCountry = v; return this; }
    public String srcCity() { return srcCity; }
    public FlowRecord srcCity(String v) { srcCity = v; return this; }
    public String dstCity() { return dstCity; }
    public FlowRecord dstCity(String v) { dstCity = v; return this; }
    public float srcLatitude() { return srcLatitude; }
    public float srcLongitude() { return srcLongitude; }
    public FlowRecord srcLocation(float lat, float lon) { srcLatitude = lat; srcLongitude = lon; return this; }
    public float dstLatitude() { return dstLatitude; }
    public float dstLongitude() { return dstLongitude; }
    public FlowRecord dstLocation(float lat, float lon) { dstLatitude = lat; dstLongitude = lon; return this; }
    public String srcAsName() { return srcAsName; }
    public FlowRecord srcAsName(String v) { srcAsName = v; return this; }
    public String dstAsName() { return dstAsName; }
    public FlowRecord dstAsName(String v) { dstAsName = v; return this; }
    public String srcDomain() { return srcDomain; }
    public FlowRecord srcDomain(String v) { srcDomain = v; return this; }
    public String dstDomain() { return dstDomain; }
    public FlowRecord dstDomain(String v) { dstDomain = v; return this; }
    public String inIfName() { return inIfName; }
    public FlowRecord inIfName(String v) { inIfName = v; return this; }
    public String outIfName() { return outIfName; }
    public FlowRecord outIfName(String v) { outIfName = v; return this; }

    @Override
    public String toString() {
        return format + " " + IpAddresses.format(srcHi, srcLo) + ":" + srcPort + " > " + IpAddresses.format(dstHi, dstLo) + ":"
                + dstPort + " proto " + protocol + " bytes " + bytes + " packets " + packets;
    }
}
