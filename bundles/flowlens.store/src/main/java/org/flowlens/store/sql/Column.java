package org.flowlens.store.sql;

import org.flowlens.api.flow.FlowRecord;

/**
 * The columns of the raw {@code flows} table, in table order: every normalized and enriched field
 * of a {@link FlowRecord}, addresses as two signed 64-bit halves (IPv4 as IPv4-mapped IPv6), and
 * {@code time_ms}, the time the record is filed under. Absent text is NULL or empty, absent
 * coordinates NaN.
 */
public enum Column {
    TIME_MS("time_ms", Kind.INT64, "Int64"),
    START_MS("start_ms", Kind.INT64, "Int64"),
    END_MS("end_ms", Kind.INT64, "Int64"),
    RECEIVED_MS("received_ms", Kind.INT64, "Int64"),
    FORMAT("format", Kind.STRING, "String"),
    EXPORTER_HI("exporter_hi", Kind.INT64, "Int64"),
    EXPORTER_LO("exporter_lo", Kind.INT64, "Int64"),
    OBSERVATION_DOMAIN("observation_domain", Kind.INT64, "Int64"),
    SAMPLER_ID("sampler_id", Kind.INT32, "Int32"),
    SAMPLING_RATE("sampling_rate", Kind.INT64, "Int64"),
    IN_IF("in_if", Kind.INT32, "Int32"),
    OUT_IF("out_if", Kind.INT32, "Int32"),
    DIRECTION("direction", Kind.INT32, "Int8"),
    SRC_HI("src_hi", Kind.INT64, "Int64"),
    SRC_LO("src_lo", Kind.INT64, "Int64"),
    DST_HI("dst_hi", Kind.INT64, "Int64"),
    DST_LO("dst_lo", Kind.INT64, "Int64"),
    SRC_PORT("src_port", Kind.INT32, "UInt16"),
    DST_PORT("dst_port", Kind.INT32, "UInt16"),
    PROTOCOL("protocol", Kind.INT32, "UInt8"),
    TCP_FLAGS("tcp_flags", Kind.INT32, "UInt16"),
    TOS("tos", Kind.INT32, "UInt8"),
    BYTES("bytes", Kind.INT64, "UInt64"),
    PACKETS("packets", Kind.INT64, "UInt64"),
    SRC_AS("src_as", Kind.INT64, "UInt32"),
    DST_AS("dst_as", Kind.INT64, "UInt32"),
    SRC_MASK("src_mask", Kind.INT32, "UInt8"),
    DST_MASK("dst_mask", Kind.INT32, "UInt8"),
    NEXT_HOP_HI("next_hop_hi", Kind.INT64, "Int64"),
    NEXT_HOP_LO("next_hop_lo", Kind.INT64, "Int64"),
    VLAN("vlan", Kind.INT32, "UInt16"),
    SRC_MAC("src_mac", Kind.INT64, "UInt64"),
    DST_MAC("dst_mac", Kind.INT64, "UInt64"),
    SRC_COUNTRY("src_country", Kind.STRING, "String"),
    DST_COUNTRY("dst_country", Kind.STRING, "String"),
    SRC_CITY("src_city", Kind.STRING, "String"),
    DST_CITY("dst_city", Kind.STRING, "String"),
    SRC_LAT("src_lat", Kind.FLOAT32, "Float32"),
    SRC_LON("src_lon", Kind.FLOAT32, "Float32"),
    DST_LAT("dst_lat", Kind.FLOAT32, "Float32"),
    DST_LON("dst_lon", Kind.FLOAT32, "Float32"),
    SRC_AS_NAME("src_as_name", Kind.STRING, "String"),
    DST_AS_NAME("dst_as_name", Kind.STRING, "String"),
    SRC_DOMAIN("src_domain", Kind.STRING, "String"),
    DST_DOMAIN("dst_domain", Kind.STRING, "String"),
    IN_IF_NAME("in_if_name", Kind.STRING, "String"),
    OUT_IF_NAME("out_if_name", Kind.STRING, "String");

    /** How a column's value travels between Java and an engine. */
    public enum Kind { INT64, INT32, FLOAT32, STRING }

    private static final Column[] ALL = values();

    private final String sqlName;
    private final Kind kind;
    private final String clickHouseType;

    Column(String sqlName, Kind kind, String clickHouseType) {
        this.sqlName = sqlName;
        this.kind = kind;
        this.clickHouseType = clickHouseType;
    }

    public String sqlName() {
        return sqlName;
    }

    public Kind kind() {
        return kind;
    }

    /** The ClickHouse type: the narrowest that holds the field's range. */
    public String clickHouseType() {
        return clickHouseType;
    }

    /** The columns in table order. */
    public static Column[] all() {
        return ALL.clone();
    }

    public static int count() {
        return ALL.length;
    }

    /** The column names in table order, comma separated. */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (Column c : ALL) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(c.sqlName);
        }
        return sb.toString();
    }

    /** Writes a record's values in column order. */
    public static void write(FlowRecord r, long timeMillis, RowSink out) {
        out.int64(timeMillis);
        out.int64(r.startMillis());
        out.int64(r.endMillis());
        out.int64(r.receivedMillis());
        out.string(r.format());
        out.int64(r.exporterHi());
        out.int64(r.exporterLo());
        out.int64(r.observationDomain());
        out.int32(r.samplerId());
        out.int64(r.samplingRate());
        out.int32(r.inIf());
        out.int32(r.outIf());
        out.int32(r.direction());
        out.int64(r.srcHi());
        out.int64(r.srcLo());
        out.int64(r.dstHi());
        out.int64(r.dstLo());
        out.int32(r.srcPort());
        out.int32(r.dstPort());
        out.int32(r.protocol());
        out.int32(r.tcpFlags());
        out.int32(r.tos());
        out.int64(r.bytes());
        out.int64(r.packets());
        out.int64(r.srcAs());
        out.int64(r.dstAs());
        out.int32(r.srcMask());
        out.int32(r.dstMask());
        out.int64(r.nextHopHi());
        out.int64(r.nextHopLo());
        out.int32(r.vlan());
        out.int64(r.srcMac());
        out.int64(r.dstMac());
        out.string(r.srcCountry());
        out.string(r.dstCountry());
        out.string(r.srcCity());
        out.string(r.dstCity());
        out.float32(r.srcLatitude());
        out.float32(r.srcLongitude());
        out.float32(r.dstLatitude());
        out.float32(r.dstLongitude());
        out.string(r.srcAsName());
        out.string(r.dstAsName());
        out.string(r.srcDomain());
        out.string(r.dstDomain());
        out.string(r.inIfName());
        out.string(r.outIfName());
    }

    /**
     * Reads a row of every column, in table order from column {@code first}, into a new record.
     * {@code time_ms} is not a field of the record: the record carries its start, end and receive
     * times.
     */
    public static FlowRecord read(RowSource in, int first) {
        int i = first;
        FlowRecord r = new FlowRecord();
        i++; // time_ms
        r.startMillis(in.int64(i++));
        r.endMillis(in.int64(i++));
        r.receivedMillis(in.int64(i++));
        r.format(in.string(i++));
        r.exporter(in.int64(i++), in.int64(i++));
        r.observationDomain(in.int64(i++));
        r.samplerId(in.int32(i++));
        r.samplingRate(in.int64(i++));
        r.inIf(in.int32(i++));
        r.outIf(in.int32(i++));
        r.direction(in.int32(i++));
        r.src(in.int64(i++), in.int64(i++));
        r.dst(in.int64(i++), in.int64(i++));
        r.srcPort(in.int32(i++));
        r.dstPort(in.int32(i++));
        r.protocol(in.int32(i++));
        r.tcpFlags(in.int32(i++));
        r.tos(in.int32(i++));
        r.bytes(in.int64(i++));
        r.packets(in.int64(i++));
        r.srcAs(in.int64(i++));
        r.dstAs(in.int64(i++));
        r.srcMask(in.int32(i++));
        r.dstMask(in.int32(i++));
        r.nextHop(in.int64(i++), in.int64(i++));
        r.vlan(in.int32(i++));
        r.srcMac(in.int64(i++));
        r.dstMac(in.int64(i++));
        r.srcCountry(in.string(i++));
        r.dstCountry(in.string(i++));
        r.srcCity(in.string(i++));
        r.dstCity(in.string(i++));
        r.srcLocation(in.float32(i++), in.float32(i++));
        r.dstLocation(in.float32(i++), in.float32(i++));
        r.srcAsName(in.string(i++));
        r.dstAsName(in.string(i++));
        r.srcDomain(in.string(i++));
        r.dstDomain(in.string(i++));
        r.inIfName(in.string(i++));
        r.outIfName(in.string(i++));
        return r;
    }
}
