package org.flowlens.web;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

import com.google.gson.JsonObject;

/**
 * Records as the API shows them: the fields of {@code POST /ingest} (read by
 * {@link org.flowlens.api.json.FlowJsonReader}) plus the enrichment, as a Gson tree for answers.
 */
final class FlowJson {
    private FlowJson() {}

    static JsonObject write(FlowRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("start", r.startMillis());
        o.addProperty("end", r.endMillis());
        o.addProperty("router", IpAddresses.format(r.exporterHi(), r.exporterLo()));
        o.addProperty("src_ip", IpAddresses.format(r.srcHi(), r.srcLo()));
        o.addProperty("src_port", r.srcPort());
        o.addProperty("dst_ip", IpAddresses.format(r.dstHi(), r.dstLo()));
        o.addProperty("dst_port", r.dstPort());
        o.addProperty("protocol", Protocols.name(r.protocol()));
        o.addProperty("bytes", r.bytes());
        o.addProperty("packets", r.packets());
        o.addProperty("in_if", Integer.toUnsignedLong(r.inIf()));
        o.addProperty("out_if", Integer.toUnsignedLong(r.outIf()));
        o.addProperty("tcp_flags", r.tcpFlags());
        o.addProperty("format", r.format());
        o.addProperty("received", r.receivedMillis());
        text(o, "src_domain", r.srcDomain());
        text(o, "dst_domain", r.dstDomain());
        text(o, "src_country", r.srcCountry());
        text(o, "dst_country", r.dstCountry());
        text(o, "src_city", r.srcCity());
        text(o, "dst_city", r.dstCity());
        text(o, "src_as_name", r.srcAsName());
        text(o, "dst_as_name", r.dstAsName());
        text(o, "in_if_name", r.inIfName());
        text(o, "out_if_name", r.outIfName());
        if (r.srcAs() != 0) {
            o.addProperty("src_as", r.srcAs());
        }
        if (r.dstAs() != 0) {
            o.addProperty("dst_as", r.dstAs());
        }
        return o;
    }

    private static void text(JsonObject o, String field, String value) {
        if (value != null) {
            o.addProperty(field, value);
        }
    }

    /** Echoes at most 64 characters of bad input back. */
    static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
