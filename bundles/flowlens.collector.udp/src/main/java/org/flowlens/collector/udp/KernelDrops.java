package org.flowlens.collector.udp;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Datagrams the kernel dropped for a listener's sockets (receive buffer full, checksum errors),
 * from the {@code drops} column of Linux's {@code /proc/net/udp} and {@code /proc/net/udp6}: the
 * sum over the sockets bound to the listener's address and port (one per receiver thread). Other
 * systems have no such file: the value is then unknown.
 */
final class KernelDrops {
    static final Path UDP = Path.of("/proc/net/udp");
    static final Path UDP6 = Path.of("/proc/net/udp6");

    private KernelDrops() {}

    /** The drops of the sockets bound to {@code address}:{@code port}, or -1 when unknown. */
    static long read(InetAddress address, int port) {
        Path file = address instanceof Inet4Address ? UDP : UDP6;
        if (port <= 0 || !Files.isReadable(file)) {
            return -1;
        }
        try {
            return drops(Files.readAllLines(file), localAddress(address, port));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Sums the {@code drops} column (the 13th) of the lines whose {@code local_address} column is
     * {@code local}; -1 when no line matches.
     */
    static long drops(List<String> lines, String local) {
        long sum = -1;
        for (String line : lines) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length < 13 || !cols[1].equalsIgnoreCase(local)) {
                continue;
            }
            try {
                long d = Long.parseLong(cols[12]);
                sum = sum < 0 ? d : sum + d;
            } catch (NumberFormatException e) {
                // the header line, or a format this reader does not know
            }
        }
        return sum;
    }

    /**
     * The {@code local_address} column as the kernel prints it: the address as 32-bit words, each
     * in the host's byte order, in hex, then the port in hex.
     */
    static String localAddress(InetAddress address, int port) {
        return localAddress(address, port, ByteOrder.nativeOrder());
    }

    static String localAddress(InetAddress address, int port, ByteOrder order) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder(b.length * 2 + 5);
        for (int w = 0; w < b.length; w += 4) {
            int v = (b[w] & 0xFF) << 24 | (b[w + 1] & 0xFF) << 16 | (b[w + 2] & 0xFF) << 8 | (b[w + 3] & 0xFF);
            if (order == ByteOrder.LITTLE_ENDIAN) {
                v = Integer.reverseBytes(v);
            }
            sb.append(String.format(Locale.ROOT, "%08X", v));
        }
        return sb.append(':').append(String.format(Locale.ROOT, "%04X", port)).toString();
    }
}
