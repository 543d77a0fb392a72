package org.flowlens.web.uitest;

import java.util.Random;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/** A realistic mix of flows for the console: clients, servers in several countries, protocols, ports, two routers, IPv6, a hostile domain name. */
final class Traffic {
    /** A domain name as a hostile DNS answer or SNI could carry it: markup, quotes, 300 characters. */
    static final String HOSTILE = ("<script>alert(1)</script>\"'<img src=x onerror=alert(2)>" + "x".repeat(300)).substring(0, 300);

    /** The destination port of the records with the hostile name, so that a log search finds them. */
    static final int HOSTILE_PORT = 8443;

    private Traffic() {}

    /** A port scan: one source probing 300 ports of one host with single SYN packets. */
    static JsonArray scan(String source, String target) {
        JsonArray a = new JsonArray();
        for (int port = 1; port <= 300; port++) {
            JsonObject o = new JsonObject();
            o.addProperty("router", "192.0.2.1");
            o.addProperty("src_ip", source);
            o.addProperty("dst_ip", target);
            o.addProperty("src_port", 40000 + port);
            o.addProperty("dst_port", port);
            o.addProperty("protocol", "TCP");
            o.addProperty("tcp_flags", 2);
            o.addProperty("bytes", 60);
            o.addProperty("packets", 1);
            a.add(o);
        }
        return a;
    }

    static JsonArray batch(int n, long seed) {
        Random r = new Random(seed);
        // public servers in several countries (for the map), and a documentation address that has none
        String[] servers = {"93.184.216.34", "1.1.1.1", "8.8.8.8", "151.101.1.69", "140.82.112.3", "193.99.144.80", "202.12.27.33",
            "114.114.114.114", "200.160.2.3", "203.0.113.9"};
        int[] ports = {443, 443, 443, 80, 53, 22, 8080, 3389};
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) {
            JsonObject o = new JsonObject();
            boolean v6 = i % 17 == 0;
            String proto = i % 10 < 6 ? "TCP" : i % 10 < 9 ? "udp" : "ICMP";
            o.addProperty("router", i % 3 == 0 ? "192.0.2.1" : "192.0.2.2");
            o.addProperty("src_ip", v6 ? "2001:db8::" + (1 + r.nextInt(9)) : "10.0." + r.nextInt(4) + "." + (1 + r.nextInt(40)));
            o.addProperty("dst_ip", v6 ? "2001:db8:1::7" : servers[r.nextInt(servers.length)]);
            o.addProperty("src_port", 1024 + r.nextInt(60000));
            o.addProperty("dst_port", proto.equals("ICMP") ? 0 : ports[r.nextInt(ports.length)]);
            o.addProperty("protocol", proto);
            o.addProperty("bytes", 200 + r.nextInt(150_000));
            o.addProperty("packets", 1 + r.nextInt(120));
            o.addProperty("in_if", 1 + r.nextInt(4));
            o.addProperty("out_if", 5);
            if (i % 40 == 0) {
                o.addProperty("dst_domain", HOSTILE);
                o.addProperty("protocol", "TCP");
                o.addProperty("dst_port", HOSTILE_PORT);
            } else if (i % 7 == 0) {
                o.addProperty("dst_domain", "cdn" + r.nextInt(5) + ".example.net");
            }
            a.add(o);
        }
        return a;
    }
}
