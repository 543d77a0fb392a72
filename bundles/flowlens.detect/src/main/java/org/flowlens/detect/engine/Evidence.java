package org.flowlens.detect.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.detect.state.Contributors;

/** Evidence entries (top contributors) as plain maps: JSON-friendly names, strings and numbers. */
public final class Evidence {
    private Evidence() {}

    /** One map per contributor: {@code address}, {@code port} when {@code portName} is given, and the weight. */
    public static List<Map<String, Object>> hosts(List<Contributors.Top> top, String portName, String weightName) {
        List<Map<String, Object>> out = new ArrayList<>(top.size());
        for (Contributors.Top t : top) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", IpAddresses.format(t.hi(), t.lo()));
            if (portName != null) {
                m.put(portName, (long) t.aux());
            }
            m.put(weightName, t.weight());
            out.add(m);
        }
        return out;
    }

    /** One map per contributor that is a port: {@code port}, the weight. */
    public static List<Map<String, Object>> ports(List<Contributors.Top> top, String weightName) {
        List<Map<String, Object>> out = new ArrayList<>(top.size());
        for (Contributors.Top t : top) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("port", (long) t.aux());
            m.put(weightName, t.weight());
            out.add(m);
        }
        return out;
    }

    /** Addresses of contributors for a sentence: {@code 10.0.0.1, 10.0.0.2}. */
    public static String addresses(List<Contributors.Top> top, int limit) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < top.size() && i < limit; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(IpAddresses.format(top.get(i).hi(), top.get(i).lo()));
        }
        return sb.toString();
    }

    /** Contributors as address and port, for a sentence: {@code 192.0.2.1:22, [2001:db8::1]:443}. */
    public static String endpoints(List<Contributors.Top> top, int limit) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < top.size() && i < limit; i++) {
            Contributors.Top t = top.get(i);
            if (i > 0) {
                sb.append(", ");
            }
            String a = IpAddresses.format(t.hi(), t.lo());
            sb.append(IpAddresses.isV4(t.hi(), t.lo()) ? a : "[" + a + "]").append(':').append(t.aux());
        }
        return sb.toString();
    }

    /** Elements of a distinct window that are ports, for a sentence: {@code 21, 22, 23}. */
    public static String portList(List<long[]> sample) {
        StringBuilder sb = new StringBuilder();
        for (long[] p : sample) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p[0]);
        }
        return sb.toString();
    }

    /** Elements of a distinct window that are addresses, for a sentence. */
    public static String addressList(List<long[]> sample) {
        StringBuilder sb = new StringBuilder();
        for (long[] p : sample) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(IpAddresses.format(p[0], p[1]));
        }
        return sb.toString();
    }

    /** A protocol's name in lower case, e.g. {@code tcp}. */
    public static String protocol(int p) {
        return Protocols.name(p).toLowerCase(java.util.Locale.ROOT);
    }
}
