package org.flowlens.sink.kafka;

import java.util.Arrays;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;

/**
 * Flow records as goflow2's {@code flowpb.FlowMessage} (goflow2 v2 {@code pb/flow.proto}),
 * size-delimited like goflow2's binary output (a varint length, then the message), so that
 * consumers written for goflow2 read what Flowlens publishes, and Flowlens reads what goflow2
 * publishes. Written and read by hand: varints and length-delimited fields, no protobuf library.
 *
 * <p>Mapping: {@code type} from the record's format, {@code time_received_ns},
 * {@code time_flow_start_ns}, {@code time_flow_end_ns}, {@code sampler_address} (exporter),
 * {@code src_addr}/{@code dst_addr}/{@code next_hop} (4 or 16 bytes), {@code etype} (0x0800 or
 * 0x86dd), {@code proto}, ports, interfaces, MACs, {@code vlan_id}, {@code ip_tos},
 * {@code tcp_flags}, AS numbers, {@code src_net}/{@code dst_net} (prefix lengths),
 * {@code observation_domain_id}, {@code sampling_rate}, and {@code flow_direction} (field 42 of
 * goflow2 v1, reserved in v2). goflow2 reports sampled counts and leaves scaling to the reader, so
 * {@code bytes} and {@code packets} are written divided by the sampling rate (rounded) and
 * multiplied back when read. Enrichment (countries, names, domains) has no place in the message.
 */
final class GoflowProtobuf {
    // field numbers of goflow2's FlowMessage
    static final int TYPE = 1, SAMPLING_RATE = 3, SEQUENCE_NUM = 4, SRC_ADDR = 6, DST_ADDR = 7, BYTES = 9, PACKETS = 10,
            SAMPLER_ADDRESS = 11, NEXT_HOP = 12, SRC_AS = 14, DST_AS = 15, SRC_NET = 16, DST_NET = 17, IN_IF = 18, OUT_IF = 19,
            PROTO = 20, SRC_PORT = 21, DST_PORT = 22, IP_TOS = 23, TCP_FLAGS = 26, SRC_MAC = 27, DST_MAC = 28, VLAN_ID = 29,
            ETYPE = 30, SRC_VLAN = 33, FLOW_DIRECTION = 42, OBSERVATION_DOMAIN_ID = 70, TIME_RECEIVED_NS = 110,
            TIME_FLOW_START_NS = 111, TIME_FLOW_END_NS = 112;
    // FlowMessage.FlowType
    static final int FLOWUNKNOWN = 0, SFLOW_5 = 1, NETFLOW_V5 = 2, NETFLOW_V9 = 3, IPFIX = 4;
    private static final int VARINT = 0, FIXED64 = 1, LENGTH = 2, FIXED32 = 5;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private byte[] buf = new byte[256];
    private int size;
    private final long[] address = new long[2];

    /** Encodes one record, length prefix included; the bytes are {@code buffer()[0, size())} until the next call. */
    GoflowProtobuf encode(FlowRecord r) {
        size = 5; // room for the length prefix, moved into place at the end
        long rate = Math.max(1, r.samplingRate());
        varintField(TYPE, type(r.format()));
        varintField(SAMPLING_RATE, rate);
        addressField(SRC_ADDR, r.srcHi(), r.srcLo());
        addressField(DST_ADDR, r.dstHi(), r.dstLo());
        varintField(BYTES, unscale(r.bytes(), rate));
        varintField(PACKETS, unscale(r.packets(), rate));
        addressField(SAMPLER_ADDRESS, r.exporterHi(), r.exporterLo());
        if (r.nextHopHi() != 0 || r.nextHopLo() != 0) {
            addressField(NEXT_HOP, r.nextHopHi(), r.nextHopLo());
        }
        varintField(SRC_AS, r.srcAs() & 0xFFFFFFFFL);
        varintField(DST_AS, r.dstAs() & 0xFFFFFFFFL);
        varintField(SRC_NET, r.srcMask());
        varintField(DST_NET, r.dstMask());
        varintField(IN_IF, Integer.toUnsignedLong(r.inIf()));
        varintField(OUT_IF, Integer.toUnsignedLong(r.outIf()));
        varintField(PROTO, r.protocol() & 0xFFFFFFFFL);
        varintField(SRC_PORT, r.srcPort() & 0xFFFFFFFFL);
        varintField(DST_PORT, r.dstPort() & 0xFFFFFFFFL);
        varintField(IP_TOS, r.tos() & 0xFFFFFFFFL);
        varintField(TCP_FLAGS, r.tcpFlags() & 0xFFFFFFFFL);
        varintField(SRC_MAC, r.srcMac());
        varintField(DST_MAC, r.dstMac());
        varintField(VLAN_ID, r.vlan() & 0xFFFFFFFFL);
        varintField(ETYPE, IpAddresses.isV4(r.srcHi(), r.srcLo()) ? 0x0800 : 0x86DD);
        if (r.direction() == FlowRecord.DIRECTION_INGRESS || r.direction() == FlowRecord.DIRECTION_EGRESS) {
            // written even when 0 (ingress): present means known
            tag(FLOW_DIRECTION, VARINT);
            varint(r.direction());
        }
        varintField(OBSERVATION_DOMAIN_ID, r.observationDomain() & 0xFFFFFFFFL);
        varintField(TIME_RECEIVED_NS, nanos(r.receivedMillis()));
        varintField(TIME_FLOW_START_NS, nanos(r.startMillis()));
        varintField(TIME_FLOW_END_NS, nanos(r.endMillis()));
        // the length prefix: a varint of the body's length, placed right before the body
        int body = size - 5;
        int prefix = varintSize(body);
        int start = 5 - prefix;
        int p = start;
        long v = body;
        while ((v & ~0x7FL) != 0) {
            buf[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[p] = (byte) v;
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, size - start);
            size -= start;
        }
        return this;
    }

    byte[] buffer() {
        return buf;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /**
     * Reads one message, size-delimited (goflow2 v2) or bare, into {@code r}.
     *
     * @return null when it was read, else why not (truncated, bad wire type, bad address length)
     */
    String decode(byte[] data, int offset, int length, FlowRecord r) {
        if (data == null || offset < 0 || length < 0 || offset + length > data.length || length == 0) {
            return "empty message";
        }
        int end = offset + length;
        int pos = offset;
        // size-delimited when the leading varint is exactly the rest's length
        long prefix = 0;
        int shift = 0;
        int p = offset;
        while (p < end && shift < 35) {
            byte b = data[p++];
            prefix |= (long) (b & 0x7F) << shift;
            shift += 7;
            if (b >= 0) {
                if (prefix == end - p) {
                    pos = p;
                }
                break;
            }
        }
        long type = FLOWUNKNOWN, rate = 1, bytes = 0, packets = 0, vlanId = 0, srcVlan = 0;
        long received = 0, start = 0, finish = 0;
        boolean srcSeen = false;
        r.direction(FlowRecord.DIRECTION_UNKNOWN);
        while (pos < end) {
            long key = 0;
            shift = 0;
            while (true) {
                if (pos >= end || shift > 63) {
                    return "truncated tag";
                }
                byte b = data[pos++];
                key |= (long) (b & 0x7F) << shift;
                shift += 7;
                if (b >= 0) {
                    break;
                }
            }
            int field = (int) (key >>> 3);
            int wire = (int) (key & 7);
            if (key >>> 3 > Integer.MAX_VALUE || field == 0) {
                return "bad field number";
            }
            if (wire == VARINT) {
                long v = 0;
                shift = 0;
                while (true) {
                    if (pos >= end || shift > 63) {
                        return "truncated varint";
                    }
                    byte b = data[pos++];
                    v |= (long) (b & 0x7F) << shift;
                    shift += 7;
                    if (b >= 0) {
                        break;
                    }
                }
                switch (field) {
                    case TYPE -> type = v;
                    case SAMPLING_RATE -> rate = v;
                    case BYTES -> bytes = v;
                    case PACKETS -> packets = v;
                    case SRC_AS -> r.srcAs(v & 0xFFFFFFFFL);
                    case DST_AS -> r.dstAs(v & 0xFFFFFFFFL);
                    case SRC_NET -> r.srcMask((int) Math.min(v, 128));
                    case DST_NET -> r.dstMask((int) Math.min(v, 128));
                    case IN_IF -> r.inIf((int) v);
                    case OUT_IF -> r.outIf((int) v);
                    case PROTO -> r.protocol((int) (v & 0xFF));
                    case SRC_PORT -> r.srcPort((int) (v & 0xFFFF));
                    case DST_PORT -> r.dstPort((int) (v & 0xFFFF));
                    case IP_TOS -> r.tos((int) (v & 0xFF));
                    case TCP_FLAGS -> r.tcpFlags((int) (v & 0xFFFF));
                    case SRC_MAC -> r.srcMac(v & 0xFFFF_FFFF_FFFFL);
                    case DST_MAC -> r.dstMac(v & 0xFFFF_FFFF_FFFFL);
                    case VLAN_ID -> vlanId = v;
                    case SRC_VLAN -> srcVlan = v;
                    case FLOW_DIRECTION -> r.direction(v == 0 ? FlowRecord.DIRECTION_INGRESS : v == 1 ? FlowRecord.DIRECTION_EGRESS : FlowRecord.DIRECTION_UNKNOWN);
                    case OBSERVATION_DOMAIN_ID -> r.observationDomain(v & 0xFFFFFFFFL);
                    case TIME_RECEIVED_NS -> received = v;
                    case TIME_FLOW_START_NS -> start = v;
                    case TIME_FLOW_END_NS -> finish = v;
                    default -> { }
                }
            } else if (wire == LENGTH) {
                long len = 0;
                shift = 0;
                while (true) {
                    if (pos >= end || shift > 35) {
                        return "truncated length";
                    }
                    byte b = data[pos++];
                    len |= (long) (b & 0x7F) << shift;
                    shift += 7;
                    if (b >= 0) {
                        break;
                    }
                }
                if (len > end - pos) {
                    return "field " + field + " runs past the end";
                }
                int n = (int) len;
                if (field == SRC_ADDR || field == DST_ADDR || field == SAMPLER_ADDRESS || field == NEXT_HOP) {
                    if (n != 4 && n != 16 && !(n == 0 && field == NEXT_HOP)) {
                        return "field " + field + " is an address of " + n + " bytes";
                    }
                    if (n > 0) {
                        address(data, pos, n);
                        switch (field) {
                            case SRC_ADDR -> {
                                r.src(address[0], address[1]);
                                srcSeen = true;
                            }
                            case DST_ADDR -> r.dst(address[0], address[1]);
                            case SAMPLER_ADDRESS -> r.exporter(address[0], address[1]);
                            default -> r.nextHop(address[0], address[1]);
                        }
                    }
                }
                pos += n;
            } else if (wire == FIXED64) {
                if (end - pos < 8) {
                    return "truncated fixed64";
                }
                pos += 8;
            } else if (wire == FIXED32) {
                if (end - pos < 4) {
                    return "truncated fixed32";
                }
                pos += 4;
            } else {
                return "unsupported wire type " + wire;
            }
        }
        if (!srcSeen) {
            return "no source address";
        }
        rate = Math.max(1, rate);
        r.format(format(type)).samplingRate(rate).bytes(scale(bytes, rate)).packets(scale(packets, rate));
        r.vlan((int) ((vlanId != 0 ? vlanId : srcVlan) & 0xFFF));
        r.receivedMillis(received / NANOS_PER_MILLI).startMillis(start / NANOS_PER_MILLI).endMillis(finish / NANOS_PER_MILLI);
        return null;
    }

    static int type(String format) {
        if (format == null) {
            return FLOWUNKNOWN;
        }
        if (format.startsWith("sflow")) {
            return SFLOW_5;
        }
        return switch (format) {
            case "netflow_v1", "netflow_v5", "netflow_v7" -> NETFLOW_V5;
            case "netflow_v9" -> NETFLOW_V9;
            case "ipfix" -> IPFIX;
            default -> FLOWUNKNOWN;
        };
    }

    static String format(long type) {
        return switch ((int) type) {
            case SFLOW_5 -> "sflow_v5";
            case NETFLOW_V5 -> "netflow_v5";
            case NETFLOW_V9 -> "netflow_v9";
            case IPFIX -> "ipfix";
            default -> "goflow2";
        };
    }

    private static long unscale(long value, long rate) {
        return rate == 1 ? value : (value + rate / 2) / rate;
    }

    private static long scale(long value, long rate) {
        return rate > 1 && value > Long.MAX_VALUE / rate ? Long.MAX_VALUE : value * rate;
    }

    private static long nanos(long millis) {
        return millis <= 0 ? 0 : millis > Long.MAX_VALUE / NANOS_PER_MILLI ? Long.MAX_VALUE : millis * NANOS_PER_MILLI;
    }

    private void address(byte[] data, int pos, int n) {
        long hi = 0, lo = 0;
        if (n == 4) {
            lo = IpAddresses.v4Lo(((data[pos] & 0xFF) << 24) | ((data[pos + 1] & 0xFF) << 16) | ((data[pos + 2] & 0xFF) << 8) | (data[pos + 3] & 0xFF));
        } else {
            for (int i = 0; i < 8; i++) {
                hi = (hi << 8) | (data[pos + i] & 0xFF);
                lo = (lo << 8) | (data[pos + 8 + i] & 0xFF);
            }
        }
        address[0] = hi;
        address[1] = lo;
    }

    // --- writing

    private void varintField(int field, long v) {
        if (v != 0) { // proto3: zero is the default and not written
            tag(field, VARINT);
            varint(v);
        }
    }

    private void addressField(int field, long hi, long lo) {
        ensure(24);
        tag(field, LENGTH);
        if (IpAddresses.isV4(hi, lo)) {
            int v = (int) lo;
            buf[size++] = 4;
            buf[size++] = (byte) (v >>> 24);
            buf[size++] = (byte) (v >>> 16);
            buf[size++] = (byte) (v >>> 8);
            buf[size++] = (byte) v;
        } else {
            buf[size++] = 16;
            for (int i = 0; i < 8; i++) {
                buf[size++] = (byte) (hi >>> (56 - 8 * i));
            }
            for (int i = 0; i < 8; i++) {
                buf[size++] = (byte) (lo >>> (56 - 8 * i));
            }
        }
    }

    private void tag(int field, int wire) {
        varint(((long) field << 3) | wire);
    }

    private void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
