package org.flowlens.decoder.packet.meter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.flowlens.api.flow.IpAddresses;

/**
 * Learns domain names from packet payloads: DNS responses (A, AAAA and the CNAME chains that lead
 * to them), the server name of TLS ClientHello messages and the Host header of HTTP requests.
 *
 * <p>Everything is bounded: names of at most 253 characters, compression pointers that must point
 * backwards (so loops cannot exist) and at most 64 of them per name, at most 64 answers and 16
 * CNAMEs per response, at most 4 KiB of HTTP headers scanned. Hostile input is ignored and counted.
 * Not thread-safe (scratch buffers are reused).
 */
final class NameSniffer {

    static final int MAX_NAME = 253;
    private static final int MAX_POINTERS = 64;
    private static final int MAX_ANSWERS = 64;
    private static final int MAX_CNAMES = 16;
    private static final int MAX_ADDRESSES = 32;
    private static final int MAX_HTTP_SCAN = 4096;

    private final DomainTable table;

    // scratch: the question name, CNAME owners/targets, address owners
    private final byte[] question = new byte[MAX_NAME + 2];
    private int questionLength;
    private final byte[][] cnameOwner = new byte[MAX_CNAMES][MAX_NAME + 2];
    private final int[] cnameOwnerLength = new int[MAX_CNAMES];
    private final byte[][] cnameTarget = new byte[MAX_CNAMES][MAX_NAME + 2];
    private final int[] cnameTargetLength = new int[MAX_CNAMES];
    private final byte[][] addressOwner = new byte[MAX_ADDRESSES][MAX_NAME + 2];
    private final int[] addressOwnerLength = new int[MAX_ADDRESSES];
    private final long[] addressHi = new long[MAX_ADDRESSES];
    private final long[] addressLo = new long[MAX_ADDRESSES];
    private final long[] addressTtl = new long[MAX_ADDRESSES];
    private final byte[] name = new byte[MAX_NAME + 2];
    private int nameLength;
    private final byte[] chain = new byte[MAX_NAME + 2];

    long dnsResponses;
    long dnsAddresses;
    long dnsMalformed;
    long tlsNames;
    long httpNames;

    NameSniffer(DomainTable table) {
        this.table = table;
    }

    // ------------------------------------------------------------------ DNS

    /**
     * Reads a DNS message in {@code b[off, off+len)}; responses with answers teach the table.
     *
     * @return the number of addresses learned
     */
    int dns(ByteBuffer b, int off, int len, long nowNanos) {
        if (len < 12) {
            return 0;
        }
        int end = off + len;
        int flags = u16(b, off + 2);
        if ((flags & 0x8000) == 0 || ((flags >>> 11) & 0xF) != 0 || (flags & 0xF) != 0) {
            return 0; // a query, another opcode, or an error answer
        }
        dnsResponses++;
        int questions = u16(b, off + 4);
        int answers = Math.min(u16(b, off + 6), MAX_ANSWERS);
        if (questions == 0 || answers == 0) {
            return 0;
        }
        int p = readName(b, off, end, off + 12, question);
        if (p < 0 || p + 4 > end) {
            dnsMalformed++;
            return 0;
        }
        questionLength = nameLength(question);
        p += 4;
        for (int i = 1; i < questions && i < 8; i++) {
            p = readName(b, off, end, p, name);
            if (p < 0 || p + 4 > end) {
                dnsMalformed++;
                return 0;
            }
            p += 4;
        }
        int cnames = 0;
        int addresses = 0;
        for (int i = 0; i < answers; i++) {
            int q = readName(b, off, end, p, name);
            if (q < 0 || q + 10 > end) {
                if (i == 0) {
                    dnsMalformed++;
                }
                break;
            }
            int type = u16(b, q);
            int cls = u16(b, q + 2) & 0x7FFF;
            long ttl = b.getInt(q + 4) & 0xFFFFFFFFL;
            int rdlength = u16(b, q + 8);
            int rdata = q + 10;
            if (rdata + rdlength > end) {
                dnsMalformed++;
                break;
            }
            if (cls == 1) {
                if (type == 5 && cnames < MAX_CNAMES) {
                    int ownerLength = nameLength;
                    System.arraycopy(name, 0, cnameOwner[cnames], 0, ownerLength);
                    cnameOwnerLength[cnames] = ownerLength;
                    if (readName(b, off, end, rdata, cnameTarget[cnames]) > 0) {
                        cnameTargetLength[cnames] = nameLength;
                        cnames++;
                    }
                } else if ((type == 1 && rdlength == 4 || type == 28 && rdlength == 16) && addresses < MAX_ADDRESSES) {
                    if (type == 1) {
                        addressHi[addresses] = 0;
                        addressLo[addresses] = IpAddresses.V4_MAPPED | (b.getInt(rdata) & 0xFFFFFFFFL);
                    } else {
                        addressHi[addresses] = b.getLong(rdata);
                        addressLo[addresses] = b.getLong(rdata + 8);
                    }
                    addressTtl[addresses] = ttl;
                    System.arraycopy(name, 0, addressOwner[addresses], 0, nameLength);
                    addressOwnerLength[addresses] = nameLength;
                    addresses++;
                }
            }
            p = rdata + rdlength;
        }
        String questionName = null;
        for (int i = 0; i < addresses; i++) {
            String n;
            if (reachesFromQuestion(addressOwner[i], addressOwnerLength[i], cnames)) {
                if (questionName == null) {
                    questionName = new String(question, 0, questionLength, StandardCharsets.US_ASCII);
                }
                n = questionName;
            } else {
                n = new String(addressOwner[i], 0, addressOwnerLength[i], StandardCharsets.US_ASCII);
            }
            table.put(addressHi[i], addressLo[i], n, nowNanos, addressTtl[i]);
        }
        dnsAddresses += addresses;
        return addresses;
    }

    /** True when {@code owner} is the question name or reached from it by at most 16 CNAMEs. */
    private boolean reachesFromQuestion(byte[] owner, int ownerLength, int cnames) {
        System.arraycopy(question, 0, chain, 0, questionLength);
        int chainLength = questionLength;
        for (int hop = 0; hop <= MAX_CNAMES; hop++) {
            if (equal(chain, chainLength, owner, ownerLength)) {
                return true;
            }
            int next = -1;
            for (int c = 0; c < cnames; c++) {
                if (equal(chain, chainLength, cnameOwner[c], cnameOwnerLength[c])) {
                    next = c;
                    break;
                }
            }
            if (next < 0) {
                return false;
            }
            System.arraycopy(cnameTarget[next], 0, chain, 0, cnameTargetLength[next]);
            chainLength = cnameTargetLength[next];
        }
        return false;
    }

    private static boolean equal(byte[] a, int al, byte[] b, int bl) {
        if (al != bl) {
            return false;
        }
        for (int i = 0; i < al; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static int nameLength(byte[] n) {
        return n[MAX_NAME + 1] & 0xFF;
    }

    /**
     * Decodes the name at {@code pos} into {@code out} (lower case, dot-separated, its length also
     * stored in {@code out[MAX_NAME + 1]} and {@link #nameLength}).
     *
     * @return the position after the name where it is written (not where pointers led), or -1
     */
    private int readName(ByteBuffer b, int msg, int end, int pos, byte[] out) {
        int length = 0;
        int after = -1;
        int p = pos;
        int pointers = 0;
        int lowest = p; // pointers must go strictly below every label read so far: no loops
        while (true) {
            if (p >= end) {
                return -1;
            }
            int l = u8(b, p);
            if (l == 0) {
                if (after < 0) {
                    after = p + 1;
                }
                break;
            }
            if ((l & 0xC0) == 0xC0) {
                if (p + 1 >= end || ++pointers > MAX_POINTERS) {
                    return -1;
                }
                int target = msg + (((l & 0x3F) << 8) | u8(b, p + 1));
                if (after < 0) {
                    after = p + 2;
                }
                if (target >= lowest) {
                    return -1;
                }
                p = target;
                lowest = target;
                continue;
            }
            if ((l & 0xC0) != 0 || p + 1 + l > end) {
                return -1;
            }
            if (length + l + (length > 0 ? 1 : 0) > MAX_NAME) {
                return -1;
            }
            if (length > 0) {
                out[length++] = '.';
            }
            for (int i = 0; i < l; i++) {
                int c = u8(b, p + 1 + i);
                if (c >= 'A' && c <= 'Z') {
                    c += 32;
                } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*')) {
                    return -1;
                }
                out[length++] = (byte) c;
            }
            p += 1 + l;
        }
        if (length == 0) {
            return -1; // the root: nothing to name
        }
        out[MAX_NAME + 1] = (byte) length;
        nameLength = length;
        return after;
    }

    // ------------------------------------------------------------------ TLS and HTTP

    /**
     * Reads the server name of a TLS ClientHello or the Host of an HTTP request in the payload and
     * teaches it for the destination address.
     *
     * @return true when a name was found
     */
    boolean serverName(ByteBuffer b, int off, int len, long dstHi, long dstLo, long nowNanos, long ttlSeconds) {
        if (len < 6) {
            return false;
        }
        int n = -1;
        if (u8(b, off) == 0x16 && u8(b, off + 1) == 3) {
            n = clientHello(b, off, off + len);
            if (n > 0) {
                tlsNames++;
            }
        } else if (isHttpMethod(b, off, len)) {
            n = httpHost(b, off, off + Math.min(len, MAX_HTTP_SCAN));
            if (n > 0) {
                httpNames++;
            }
        }
        if (n <= 0) {
            return false;
        }
        table.put(dstHi, dstLo, new String(name, 0, n, StandardCharsets.US_ASCII), nowNanos, ttlSeconds);
        return true;
    }

    /** The length of the server name copied into {@link #name}, or -1. */
    int clientHello(ByteBuffer b, int off, int end) {
        int recordEnd = Math.min(end, off + 5 + u16(b, off + 3));
        int p = off + 5;
        if (p + 4 > recordEnd || u8(b, p) != 1) {
            return -1;
        }
        p += 4 + 2 + 32; // handshake header, client version, random
        if (p + 1 > recordEnd) {
            return -1;
        }
        p += 1 + u8(b, p); // session id
        if (p + 2 > recordEnd) {
            return -1;
        }
        p += 2 + u16(b, p); // cipher suites
        if (p + 1 > recordEnd) {
            return -1;
        }
        p += 1 + u8(b, p); // compression methods
        if (p + 2 > recordEnd) {
            return -1;
        }
        int extEnd = Math.min(recordEnd, p + 2 + u16(b, p));
        p += 2;
        while (p + 4 <= extEnd) {
            int type = u16(b, p);
            int length = u16(b, p + 2);
            p += 4;
            if (type == 0) {
                if (p + 2 > extEnd) {
                    return -1;
                }
                int listEnd = Math.min(Math.min(extEnd, p + length), p + 2 + u16(b, p));
                int q = p + 2;
                while (q + 3 <= listEnd) {
                    int nameType = u8(b, q);
                    int nl = u16(b, q + 1);
                    q += 3;
                    if (q + nl > listEnd) {
                        return -1;
                    }
                    if (nameType == 0) {
                        return copyHost(b, q, q + nl);
                    }
                    q += nl;
                }
                return -1;
            }
            p += length;
        }
        return -1;
    }

    private static boolean isHttpMethod(ByteBuffer b, int off, int len) {
        // GET, POST, HEAD, PUT, DELETE, OPTIONS, PATCH, CONNECT followed by a space
        int c = u8(b, off);
        int space = -1;
        for (int i = 1; i < 8 && i < len; i++) {
            if (u8(b, off + i) == ' ') {
                space = i;
                break;
            }
        }
        if (space < 3) {
            return false;
        }
        switch (c) {
            case 'G':
            case 'P':
            case 'H':
            case 'D':
            case 'O':
            case 'C':
                for (int i = 0; i < space; i++) {
                    int x = u8(b, off + i);
                    if (x < 'A' || x > 'Z') {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    /** Finds "\r\nHost:" (any case) and copies the host; its length or -1. */
    int httpHost(ByteBuffer b, int off, int end) {
        for (int p = off; p + 7 < end; p++) {
            if (u8(b, p) == '\r' && u8(b, p + 1) == '\n') {
                if (p + 2 < end && u8(b, p + 2) == '\r') {
                    return -1; // end of headers
                }
                if ((u8(b, p + 2) | 0x20) == 'h' && (u8(b, p + 3) | 0x20) == 'o' && (u8(b, p + 4) | 0x20) == 's'
                        && (u8(b, p + 5) | 0x20) == 't' && u8(b, p + 6) == ':') {
                    int q = p + 7;
                    while (q < end && (u8(b, q) == ' ' || u8(b, q) == '\t')) {
                        q++;
                    }
                    int e = q;
                    while (e < end && u8(b, e) != '\r' && u8(b, e) != ':' && u8(b, e) != ' ') {
                        e++;
                    }
                    if (e == end) {
                        return -1; // cut before the end of the line
                    }
                    return copyHost(b, q, e);
                }
            }
        }
        return -1;
    }

    /** Copies a host name (lower-cased; letters, digits, '-', '.', '_'; at least one letter) into {@link #name}. */
    private int copyHost(ByteBuffer b, int from, int to) {
        int n = to - from;
        if (n <= 0 || n > MAX_NAME) {
            return -1;
        }
        boolean letter = false;
        for (int i = 0; i < n; i++) {
            int c = u8(b, from + i);
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                return -1;
            }
            letter |= c >= 'a' && c <= 'z';
            name[i] = (byte) c;
        }
        if (name[n - 1] == '.') {
            n--;
        }
        // an address literal names nothing
        return n > 0 && letter ? n : -1;
    }

    private static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xFF;
    }

    private static int u16(ByteBuffer b, int i) {
        return b.getShort(i) & 0xFFFF;
    }
}
