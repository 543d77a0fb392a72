package org.flowlens.enrich.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.flowlens.api.flow.IpAddresses;

/**
 * A minimal DNS client for PTR queries over UDP, with a hard timeout per try (the JDK resolver has
 * none that can be set per call). Answers are checked against the query (id, source, question)
 * and parsed defensively: malformed replies count as failures, never as names.
 */
final class DnsClient {
    /** The outcome of one lookup. */
    record Answer(Status status, String name, long ttlSeconds) {
        enum Status { NAME, NO_NAME, TIMEOUT, ERROR }
    }

    private static final int TYPE_PTR = 12;
    private static final int CLASS_IN = 1;
    private static final int MAX_NAME = 255;

    private final List<InetSocketAddress> servers;
    private final int timeoutMillis;
    private final int tries;

    DnsClient(List<InetSocketAddress> servers, int timeoutMillis, int tries) {
        this.servers = List.copyOf(servers);
        this.timeoutMillis = timeoutMillis;
        this.tries = Math.max(1, tries);
    }

    /** The reverse name of an address: {@code 4.3.2.1.in-addr.arpa}, or nibbles under {@code ip6.arpa}. */
    static String reverseName(long hi, long lo) {
        StringBuilder sb = new StringBuilder(72);
        if (IpAddresses.isV4(hi, lo)) {
            int v = (int) lo;
            sb.append(v & 0xFF).append('.').append((v >>> 8) & 0xFF).append('.').append((v >>> 16) & 0xFF).append('.')
                    .append((v >>> 24) & 0xFF).append(".in-addr.arpa");
            return sb.toString();
        }
        for (int i = 0; i < 16; i++) {
            sb.append(Character.forDigit((int) (lo >>> (4 * i)) & 0xF, 16)).append('.');
        }
        for (int i = 0; i < 16; i++) {
            sb.append(Character.forDigit((int) (hi >>> (4 * i)) & 0xF, 16)).append('.');
        }
        return sb.append("ip6.arpa").toString();
    }

    /** Asks each server in turn, each up to the configured number of tries. */
    Answer lookup(long hi, long lo) {
        String qname = reverseName(hi, lo);
        Answer last = new Answer(Answer.Status.ERROR, null, 0);
        for (int t = 0; t < tries; t++) {
            for (InetSocketAddress server : servers) {
                last = ask(server, qname);
                if (last.status() == Answer.Status.NAME || last.status() == Answer.Status.NO_NAME) {
                    return last;
                }
            }
        }
        return last;
    }

    private Answer ask(InetSocketAddress server, String qname) {
        int id = ThreadLocalRandom.current().nextInt(0x10000);
        ByteBuffer query = query(id, qname);
        try (DatagramChannel ch = DatagramChannel.open(); Selector sel = Selector.open()) {
            ch.configureBlocking(false);
            ch.connect(server);
            ch.register(sel, SelectionKey.OP_READ);
            ch.write(query);
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            ByteBuffer reply = ByteBuffer.allocate(1500);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0 || sel.select(left) == 0 && System.nanoTime() >= deadline) {
                    throw new SocketTimeoutException();
                }
                sel.selectedKeys().clear();
                reply.clear();
                if (ch.read(reply) <= 0) {
                    continue;
                }
                reply.flip();
                Answer a = parse(reply, id, qname);
                if (a != null) {
                    return a;
                }
                // not the reply to this query (stale or forged): keep waiting until the deadline
            }
        } catch (SocketTimeoutException e) {
            return new Answer(Answer.Status.TIMEOUT, null, 0);
        } catch (IOException | RuntimeException e) {
            return new Answer(Answer.Status.ERROR, null, 0);
        }
    }

    static ByteBuffer query(int id, String qname) {
        ByteBuffer b = ByteBuffer.allocate(18 + qname.length());
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        for (String label : qname.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) TYPE_PTR).putShort((short) CLASS_IN);
        return b.flip();
    }

    /**
     * Reads a reply: null when it does not answer this query (other id, not a response, other
     * question), else the name, no name (NXDOMAIN or no PTR) or an error.
     */
    static Answer parse(ByteBuffer b, int id, String qname) {
        try {
            if (b.remaining() < 12 || (b.getShort(0) & 0xFFFF) != id) {
                return null;
            }
            int flags = b.getShort(2) & 0xFFFF;
            if ((flags & 0x8000) == 0) {
                return null;
            }
            int qd = b.getShort(4) & 0xFFFF, an = b.getShort(6) & 0xFFFF;
            int pos = 12;
            if (qd != 1) {
                return null;
            }
            StringBuilder name = new StringBuilder();
            pos = readName(b, pos, name);
            if (!name.toString().equalsIgnoreCase(qname)) {
                return null;
            }
            pos += 4;
            int rcode = flags & 0xF;
            if (rcode == 3) {
                return new Answer(Answer.Status.NO_NAME, null, 0);
            }
            if (rcode != 0) {
                return new Answer(Answer.Status.ERROR, null, 0);
            }
            for (int i = 0; i < an && pos < b.limit(); i++) {
                name.setLength(0);
                pos = readName(b, pos, name);
                int type = b.getShort(pos) & 0xFFFF;
                long ttl = b.getInt(pos + 4) & 0xFFFF_FFFFL;
                int rdlength = b.getShort(pos + 8) & 0xFFFF;
                int rdata = pos + 10;
                if (rdata + rdlength > b.limit()) {
                    return new Answer(Answer.Status.ERROR, null, 0);
                }
                if (type == TYPE_PTR) {
                    StringBuilder target = new StringBuilder();
                    readName(b, rdata, target);
                    if (target.length() == 0) {
                        return new Answer(Answer.Status.NO_NAME, null, ttl);
                    }
                    return new Answer(Answer.Status.NAME, target.toString().toLowerCase(java.util.Locale.ROOT), ttl);
                }
                pos = rdata + rdlength;
            }
            return new Answer(Answer.Status.NO_NAME, null, 0);
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            return new Answer(Answer.Status.ERROR, null, 0);
        }
    }

    /** Reads a possibly compressed name at pos into out (dotted, no final dot); returns the position after it. */
    static int readName(ByteBuffer b, int pos, StringBuilder out) {
        int end = -1;
        int jumps = 0;
        while (true) {
            int len = b.get(pos) & 0xFF;
            if ((len & 0xC0) == 0xC0) {
                if (++jumps > 16) {
                    throw new IllegalArgumentException("compression loop");
                }
                int target = ((len & 0x3F) << 8) | (b.get(pos + 1) & 0xFF);
                if (end < 0) {
                    end = pos + 2;
                }
                pos = target;
                continue;
            }
            if ((len & 0xC0) != 0) {
                throw new IllegalArgumentException("bad label");
            }
            if (len == 0) {
                return end < 0 ? pos + 1 : end;
            }
            if (out.length() > 0) {
                out.append('.');
            }
            for (int i = 1; i <= len; i++) {
                int c = b.get(pos + i) & 0xFF;
                if (c <= 0x20 || c >= 0x7F) {
                    throw new IllegalArgumentException("unprintable name");
                }
                out.append((char) c);
            }
            if (out.length() > MAX_NAME) {
                throw new IllegalArgumentException("name too long");
            }
            pos += len + 1;
        }
    }
}
