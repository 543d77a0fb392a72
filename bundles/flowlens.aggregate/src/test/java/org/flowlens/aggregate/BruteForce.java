package org.flowlens.aggregate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

/** Exact group-by over a list of records, keyed the way answers spell keys, written independently of the engine. */
final class BruteForce {
    private BruteForce() {}

    static String src(FlowRecord r) {
        return IpAddresses.format(r.srcHi(), r.srcLo());
    }

    static String dst(FlowRecord r) {
        return IpAddresses.format(r.dstHi(), r.dstLo());
    }

    static String text(String s) {
        return s == null ? "" : s;
    }

    /** The key of a record for a dimension in canonical spelling, as answers list it. */
    static List<String> key(String spec, FlowRecord r) {
        List<String> k = new ArrayList<>();
        for (String f : spec.split("\\+")) {
            switch (f) {
                case "src_addr": k.add(src(r)); break;
                case "dst_addr": k.add(dst(r)); break;
                case "src_port": k.add(Integer.toString(r.srcPort())); break;
                case "dst_port": k.add(Integer.toString(r.dstPort())); break;
                case "protocol": k.add(Protocols.name(r.protocol())); break;
                case "exporter": k.add(IpAddresses.format(r.exporterHi(), r.exporterLo())); break;
                case "in_if": k.add(Integer.toString(r.inIf())); break;
                case "out_if": k.add(Integer.toString(r.outIf())); break;
                case "src_country": k.add(text(r.srcCountry())); break;
                case "dst_country": k.add(text(r.dstCountry())); break;
                case "src_asn": k.add(Long.toString(r.srcAs())); break;
                case "src_as_name": k.add(text(r.srcAsName())); break;
                case "dst_asn": k.add(Long.toString(r.dstAs())); break;
                case "dst_as_name": k.add(text(r.dstAsName())); break;
                case "dst_domain": k.add(text(r.dstDomain())); break;
                default: throw new IllegalArgumentException(f);
            }
        }
        return k;
    }

    /** bytes, packets, flows per key. */
    static Map<List<String>, long[]> group(List<FlowRecord> records, Function<FlowRecord, List<String>> key) {
        Map<List<String>, long[]> m = new HashMap<>();
        for (FlowRecord r : records) {
            long[] v = m.computeIfAbsent(key.apply(r), x -> new long[3]);
            v[0] += r.bytes();
            v[1] += r.packets();
            v[2]++;
        }
        return m;
    }

    static Map<List<String>, long[]> group(List<FlowRecord> records, String spec) {
        return group(records, r -> key(spec, r));
    }

    static List<FlowRecord> between(List<FlowRecord> records, long from, long to) {
        List<FlowRecord> out = new ArrayList<>();
        for (FlowRecord r : records) {
            if (r.receivedMillis() >= from && r.receivedMillis() < to) {
                out.add(r);
            }
        }
        return out;
    }
}
