package org.flowlens.web;

import java.util.Locale;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;

import com.google.gson.JsonObject;

import jakarta.servlet.http.HttpServletRequest;

/**
 * A filter on flow records, for the live feeds and searches of recent records: an address on
 * either side, as source or as destination, the exporter, ports, protocol and a text found in the
 * domain names. Matching allocates nothing.
 */
final class RecordFilter {
    static final RecordFilter ALL = new RecordFilter();

    enum Side { EITHER, SRC, DST }

    private boolean hasIp, hasSrc, hasDst, hasRouter;
    private long ipHi, ipLo, srcHi, srcLo, dstHi, dstLo, routerHi, routerLo;
    private Side side = Side.EITHER;
    private int port = -1, srcPort = -1, dstPort = -1, protocol = -1;
    private String text;

    private RecordFilter() {}

    boolean matchesAll() {
        return !hasIp && !hasSrc && !hasDst && !hasRouter && port < 0 && srcPort < 0 && dstPort < 0 && protocol < 0 && text == null;
    }

    boolean matches(FlowRecord r) {
        if (hasIp) {
            boolean src = r.srcHi() == ipHi && r.srcLo() == ipLo;
            boolean dst = r.dstHi() == ipHi && r.dstLo() == ipLo;
            if (side == Side.SRC ? !src : side == Side.DST ? !dst : !src && !dst) {
                return false;
            }
        }
        if (hasSrc && (r.srcHi() != srcHi || r.srcLo() != srcLo) || hasDst && (r.dstHi() != dstHi || r.dstLo() != dstLo)) {
            return false;
        }
        if (hasRouter && (r.exporterHi() != routerHi || r.exporterLo() != routerLo)) {
            return false;
        }
        if (port >= 0 && r.srcPort() != port && r.dstPort() != port || srcPort >= 0 && r.srcPort() != srcPort
                || dstPort >= 0 && r.dstPort() != dstPort || protocol >= 0 && r.protocol() != protocol) {
            return false;
        }
        if (text != null) {
            return contains(r.srcDomain()) || contains(r.dstDomain());
        }
        return true;
    }

    private boolean contains(String s) {
        return s != null && s.toLowerCase(Locale.ROOT).contains(text);
    }

    interface Source {
        String get(String name);
    }

    static RecordFilter of(HttpServletRequest req) throws Requests.BadRequest {
        return parse(name -> Requests.text(req, name));
    }

    static RecordFilter of(JsonObject o) throws Requests.BadRequest {
        return parse(name -> {
            String v = Requests.string(o, name);
            return v == null || v.isBlank() ? null : v.trim();
        });
    }

    static RecordFilter parse(Source s) throws Requests.BadRequest {
        RecordFilter f = new RecordFilter();
        String ip = s.get("ip");
        if (ip != null) {
            long[] a = address(ip, "ip");
            f.hasIp = true;
            f.ipHi = a[0];
            f.ipLo = a[1];
            String side = s.get("side");
            if (side != null) {
                switch (side.toLowerCase(Locale.ROOT)) {
                    case "src", "source" -> f.side = Side.SRC;
                    case "dst", "destination" -> f.side = Side.DST;
                    case "either", "any", "both" -> f.side = Side.EITHER;
                    default -> throw new Requests.BadRequest("side must be src, dst or either, got " + FlowJson.clip(side));
                }
            }
        }
        String src = s.get("src");
        if (src != null) {
            long[] a = address(src, "src");
            f.hasSrc = true;
            f.srcHi = a[0];
            f.srcLo = a[1];
        }
        String dst = s.get("dst");
        if (dst != null) {
            long[] a = address(dst, "dst");
            f.hasDst = true;
            f.dstHi = a[0];
            f.dstLo = a[1];
        }
        String router = s.get("router");
        if (router != null) {
            long[] a = address(router, "router");
            f.hasRouter = true;
            f.routerHi = a[0];
            f.routerLo = a[1];
        }
        f.port = port(s.get("port"), "port");
        f.srcPort = port(s.get("src_port"), "src_port");
        f.dstPort = port(s.get("dst_port"), "dst_port");
        String protocol = s.get("protocol");
        if (protocol != null) {
            f.protocol = Protocols.number(protocol);
            if (f.protocol < 0) {
                throw new Requests.BadRequest("protocol must be a name such as TCP, UDP, ICMP or a number 0-255, got " + FlowJson.clip(protocol));
            }
        }
        String text = s.get("q");
        f.text = text == null ? null : text.toLowerCase(Locale.ROOT);
        return f;
    }

    private static long[] address(String text, String name) throws Requests.BadRequest {
        try {
            return IpAddresses.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Requests.BadRequest(name + " is not an IPv4 or IPv6 address: " + FlowJson.clip(text));
        }
    }

    private static int port(String text, String name) throws Requests.BadRequest {
        if (text == null) {
            return -1;
        }
        try {
            int p = Integer.parseInt(text);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new Requests.BadRequest(name + " must be a port number 0-65535, got " + FlowJson.clip(text));
        }
    }
}
