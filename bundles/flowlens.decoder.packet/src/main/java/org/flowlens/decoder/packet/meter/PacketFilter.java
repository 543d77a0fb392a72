package org.flowlens.decoder.packet.meter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.decoder.packet.PacketInfo;

/**
 * Which packets the meter counts and which sessions it reports: ignore loopback traffic, ignore
 * ports, ignore addresses and networks, keep only some protocols, keep only sessions with a listed
 * domain. Immutable; build a new one to change it (the meter swaps it atomically).
 */
public final class PacketFilter {

    /** Lets everything through. */
    public static final PacketFilter NONE = new PacketFilter(false, null, new long[0], new long[0], new long[0],
            new long[0], null, new String[0]);

    private final boolean ignoreLocalhost;
    private final long[] ignoredPorts;
    private final long[] netHi;
    private final long[] netLo;
    private final long[] maskHi;
    private final long[] maskLo;
    private final boolean[] protocols;
    private final String[] domains;

    private PacketFilter(boolean ignoreLocalhost, long[] ignoredPorts, long[] netHi, long[] netLo, long[] maskHi,
            long[] maskLo, boolean[] protocols, String[] domains) {
        this.ignoreLocalhost = ignoreLocalhost;
        this.ignoredPorts = ignoredPorts;
        this.netHi = netHi;
        this.netLo = netLo;
        this.maskHi = maskHi;
        this.maskLo = maskLo;
        this.protocols = protocols;
        this.domains = domains;
    }

    /**
     * Builds a filter from configuration text.
     *
     * @param ignorePorts ports ({@code 22}) or ranges ({@code 6000-6100}); a packet with either port
     *     in the set is ignored
     * @param ignoreNetworks addresses or CIDR networks, IPv4 or IPv6; a packet with either address
     *     inside is ignored
     * @param onlyDomains when not empty, only sessions whose source or destination name is one of
     *     these domains or a subdomain of one are reported
     * @param onlyProtocols when not empty, only these protocols (names such as {@code tcp} or
     *     numbers; {@code icmp} means ICMP and ICMPv6) are counted
     * @throws IllegalArgumentException naming the entry that is not valid
     */
    public static PacketFilter of(boolean ignoreLocalhost, Collection<String> ignorePorts,
            Collection<String> ignoreNetworks, Collection<String> onlyDomains, Collection<String> onlyProtocols) {
        long[] ports = null;
        for (String raw : nonBlank(ignorePorts)) {
            int dash = raw.indexOf('-');
            int from;
            int to;
            try {
                from = Integer.parseInt(dash < 0 ? raw : raw.substring(0, dash).trim());
                to = dash < 0 ? from : Integer.parseInt(raw.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a port or port range: '" + raw + "'");
            }
            if (from < 0 || to > 65535 || from > to) {
                throw new IllegalArgumentException("port range out of 0-65535: '" + raw + "'");
            }
            if (ports == null) {
                ports = new long[1024];
            }
            for (int p = from; p <= to; p++) {
                ports[p >>> 6] |= 1L << p;
            }
        }
        List<String> nets = nonBlank(ignoreNetworks);
        long[] nh = new long[nets.size()];
        long[] nl = new long[nets.size()];
        long[] mh = new long[nets.size()];
        long[] ml = new long[nets.size()];
        for (int i = 0; i < nets.size(); i++) {
            String raw = nets.get(i);
            int slash = raw.indexOf('/');
            long[] addr;
            try {
                addr = IpAddresses.parse(slash < 0 ? raw : raw.substring(0, slash));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an address or CIDR network: '" + raw + "'");
            }
            boolean v4 = IpAddresses.isV4(addr[0], addr[1]);
            int max = v4 ? 32 : 128;
            int prefix;
            try {
                prefix = slash < 0 ? max : Integer.parseInt(raw.substring(slash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a prefix length in '" + raw + "'");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("prefix length out of 0-" + max + " in '" + raw + "'");
            }
            int bits = v4 ? prefix + 96 : prefix; // IPv4-mapped: the first 96 bits are fixed
            mh[i] = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
            ml[i] = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
            nh[i] = addr[0] & mh[i];
            nl[i] = addr[1] & ml[i];
        }
        boolean[] protos = null;
        for (String raw : nonBlank(onlyProtocols)) {
            int n = Protocols.number(raw);
            if (n < 0) {
                throw new IllegalArgumentException("not a protocol name or number: '" + raw + "'");
            }
            if (protos == null) {
                protos = new boolean[256];
            }
            protos[n] = true;
            if (n == Protocols.ICMP) {
                protos[Protocols.ICMPV6] = true;
            }
        }
        List<String> doms = new ArrayList<>();
        for (String raw : nonBlank(onlyDomains)) {
            String d = raw.toLowerCase(Locale.ROOT);
            while (d.startsWith("*.") || d.startsWith(".")) {
                d = d.substring(d.indexOf('.') + 1);
            }
            if (d.endsWith(".")) {
                d = d.substring(0, d.length() - 1);
            }
            if (d.isEmpty() || d.length() > NameSniffer.MAX_NAME) {
                throw new IllegalArgumentException("not a domain name: '" + raw + "'");
            }
            doms.add(d);
        }
        return new PacketFilter(ignoreLocalhost, ports, nh, nl, mh, ml, protos, doms.toArray(new String[0]));
    }

    private static List<String> nonBlank(Collection<String> values) {
        List<String> out = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                if (v != null && !v.trim().isEmpty()) {
                    out.add(v.trim());
                }
            }
        }
        return out;
    }

    /** True when the packet is to be metered. */
    public boolean accept(PacketInfo p) {
        if (protocols != null && !protocols[p.protocol()]) {
            return false;
        }
        if (ignoreLocalhost && (isLoopback(p.srcHi(), p.srcLo()) || isLoopback(p.dstHi(), p.dstLo()))) {
            return false;
        }
        if (ignoredPorts != null && (ignored(p.srcPort()) || ignored(p.dstPort()))) {
            return false;
        }
        for (int i = 0; i < netHi.length; i++) {
            if ((p.srcHi() & maskHi[i]) == netHi[i] && (p.srcLo() & maskLo[i]) == netLo[i]
                    || (p.dstHi() & maskHi[i]) == netHi[i] && (p.dstLo() & maskLo[i]) == netLo[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean ignored(int port) {
        return (ignoredPorts[port >>> 6] & (1L << port)) != 0;
    }

    static boolean isLoopback(long hi, long lo) {
        if (IpAddresses.isV4(hi, lo)) {
            return ((int) lo >>> 24) == 127;
        }
        return hi == 0 && lo == 1;
    }

    /** True when sessions are reported only for listed domains. */
    public boolean hasDomainFilter() {
        return domains.length > 0;
    }

    /** True when either name is a listed domain or below one (always true without a domain list). */
    public boolean acceptDomains(String srcName, String dstName) {
        if (domains.length == 0) {
            return true;
        }
        return matches(srcName) || matches(dstName);
    }

    private boolean matches(String name) {
        if (name == null) {
            return false;
        }
        for (String d : domains) {
            if (name.equals(d) || name.length() > d.length() && name.endsWith(d)
                    && name.charAt(name.length() - d.length() - 1) == '.') {
                return true;
            }
        }
        return false;
    }
}
