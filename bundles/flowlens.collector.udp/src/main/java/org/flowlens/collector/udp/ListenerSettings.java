package org.flowlens.collector.udp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A validated listener configuration. {@link #of} refuses what cannot work with a reason a person
 * can act on; host names are refused rather than resolved (no DNS lookup at configuration time).
 */
record ListenerSettings(String name, InetAddress bindAddress, String networkInterface, int port, int receiveBufferBytes,
        int receiverThreads, int maxDatagramBytes, int coalesceMicros) {

    static final int MIN_DATAGRAM = 512;
    static final int MAX_DATAGRAM = 65_535;
    static final int MAX_THREADS = 64;
    static final int MIN_BUFFER = 1024;
    static final int MAX_BUFFER = 1 << 30;
    static final int MAX_COALESCE_MICROS = 100_000;

    /** A refused configuration. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static ListenerSettings of(UdpListener.Config c) throws Invalid {
        InetAddress bind = literal(c.bindAddress());
        if (c.port() < 0 || c.port() > 65_535) {
            throw new Invalid("port must be 0-65535 (0: any free port), got " + c.port());
        }
        if (c.receiveBufferBytes() != 0 && (c.receiveBufferBytes() < MIN_BUFFER || c.receiveBufferBytes() > MAX_BUFFER)) {
            throw new Invalid("receiveBufferBytes must be 0 (the system default) or " + MIN_BUFFER + "-" + MAX_BUFFER + ", got "
                    + c.receiveBufferBytes());
        }
        if (c.receiverThreads() < 1 || c.receiverThreads() > MAX_THREADS) {
            throw new Invalid("receiverThreads must be 1-" + MAX_THREADS + ", got " + c.receiverThreads());
        }
        if (c.maxDatagramBytes() < MIN_DATAGRAM || c.maxDatagramBytes() > MAX_DATAGRAM) {
            throw new Invalid("maxDatagramBytes must be " + MIN_DATAGRAM + "-" + MAX_DATAGRAM + ", got " + c.maxDatagramBytes());
        }
        if (c.coalesceMicros() < 0 || c.coalesceMicros() > MAX_COALESCE_MICROS) {
            throw new Invalid("coalesceMicros must be 0-" + MAX_COALESCE_MICROS + ", got " + c.coalesceMicros());
        }
        String name = c.name() == null ? "" : c.name().trim();
        String nif = c.networkInterface() == null ? "" : c.networkInterface().trim();
        return new ListenerSettings(name, bind, nif, c.port(), c.receiveBufferBytes(), c.receiverThreads(), c.maxDatagramBytes(),
                c.coalesceMicros());
    }

    /** A numeric IPv4 or IPv6 address, optionally in brackets; never a host name. */
    static InetAddress literal(String text) throws Invalid {
        String t = text == null ? "" : text.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isEmpty()) {
            throw new Invalid("bindAddress is empty: use 0.0.0.0 (IPv4), :: (IPv6 and IPv4) or an address of this host");
        }
        boolean v6 = t.indexOf(':') >= 0;
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            boolean ok = v6 ? Character.digit(ch, 16) >= 0 || ch == ':' || ch == '.' || ch == '%' : (ch >= '0' && ch <= '9') || ch == '.';
            if (!ok) {
                throw new Invalid("bindAddress must be a numeric IPv4 or IPv6 address, got '" + text + "'");
            }
        }
        try {
            InetAddress a = InetAddress.getByName(t);
            if (!(a instanceof Inet4Address) && !(a instanceof Inet6Address)) {
                throw new Invalid("bindAddress must be an IPv4 or IPv6 address, got '" + text + "'");
            }
            return a;
        } catch (UnknownHostException e) {
            throw new Invalid("bindAddress must be a numeric IPv4 or IPv6 address, got '" + text + "'");
        }
    }

    /** What needs a new socket and receiver threads when it changes (everything but the name). */
    boolean sameSocket(ListenerSettings o) {
        return o != null && bindAddress.equals(o.bindAddress) && networkInterface.equals(o.networkInterface) && port == o.port
                && receiveBufferBytes == o.receiveBufferBytes && receiverThreads == o.receiverThreads
                && maxDatagramBytes == o.maxDatagramBytes && coalesceMicros == o.coalesceMicros;
    }
}
