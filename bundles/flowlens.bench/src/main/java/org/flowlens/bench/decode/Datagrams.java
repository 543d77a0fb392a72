package org.flowlens.bench.decode;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import org.flowlens.api.decode.DecodeContext;

/** Realistic datagrams for the decoder benchmarks, and a context that only counts. */
final class Datagrams {
    static final int RECORDS = 30;
    static final long EXPORT_SECONDS = 1_700_000_000L;

    private Datagrams() {}

    /** A full NetFlow v5 datagram: 30 records of varied flows. */
    static ByteBuffer v5() {
        ByteBuffer b = ByteBuffer.allocate(24 + 48 * RECORDS);
        b.putShort((short) 5).putShort((short) RECORDS).putInt(3_600_000).putInt((int) EXPORT_SECONDS).putInt(0).putInt(1000)
                .putShort((short) 0).putShort((short) 0);
        for (int i = 0; i < RECORDS; i++) {
            b.putInt(0x0A000000 + i * 7).putInt(0xC0A80000 + i).putInt(0x0A0000FE).putShort((short) 1).putShort((short) 2)
                    .putInt(1 + i).putInt(64 + 100 * i).putInt(3_500_000 + i).putInt(3_590_000 + i)
                    .putShort((short) (40000 + i)).putShort((short) 443).put((byte) 0).put((byte) 0x1B).put((byte) 6)
                    .put((byte) 0).putShort((short) 64512).putShort((short) 15169).put((byte) 24).put((byte) 16)
                    .putShort((short) 0);
        }
        return b.flip();
    }

    /** The v9/IPFIX data fields: id and length, a typical IPv4 router template (18 fields). */
    private static final int[][] FIELDS = {
        {8, 4}, {12, 4}, {15, 4}, {10, 4}, {14, 4}, {2, 4}, {1, 4}, {22, 4}, {21, 4}, {7, 2}, {11, 2}, {6, 1}, {4, 1},
        {5, 1}, {16, 4}, {17, 4}, {9, 1}, {13, 1}
    };
    private static final int[][] IPFIX_FIELDS = {
        {8, 4}, {12, 4}, {15, 4}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8}, {153, 8}, {7, 2}, {11, 2}, {6, 1}, {4, 1},
        {5, 1}, {16, 4}, {17, 4}, {9, 1}, {13, 1}
    };

    private static void records(ByteBuffer b, int[][] fields) {
        for (int i = 0; i < RECORDS; i++) {
            for (int[] f : fields) {
                long v = switch (f[0]) {
                    case 8 -> 0x0A000000 + i * 7;
                    case 12 -> 0xC0A80000 + i;
                    case 1 -> 64 + 100 * i;
                    case 2 -> 1 + i;
                    case 22, 21 -> 3_500_000 + i;
                    case 152, 153 -> EXPORT_SECONDS * 1000 - 5000 + i;
                    case 7 -> 40000 + i;
                    case 11 -> 443;
                    case 4 -> 6;
                    default -> i;
                };
                switch (f[1]) {
                    case 1 -> b.put((byte) v);
                    case 2 -> b.putShort((short) v);
                    case 4 -> b.putInt((int) v);
                    default -> b.putLong(v);
                }
            }
        }
    }

    private static void template(ByteBuffer b, int setId, int[][] fields) {
        b.putShort((short) setId).putShort((short) (8 + 4 * fields.length)).putShort((short) 256).putShort((short) fields.length);
        for (int[] f : fields) {
            b.putShort((short) f[0]).putShort((short) f[1]);
        }
    }

    private static int length(int[][] fields) {
        int n = 0;
        for (int[] f : fields) {
            n += f[1];
        }
        return n;
    }

    /** NetFlow v9: the template datagram (sent once) and a data datagram of 30 records. */
    static ByteBuffer[] v9() {
        ByteBuffer t = ByteBuffer.allocate(20 + 8 + 4 * FIELDS.length);
        t.putShort((short) 9).putShort((short) 1).putInt(3_600_000).putInt((int) EXPORT_SECONDS).putInt(0).putInt(0);
        template(t, 0, FIELDS);
        int setLength = 4 + RECORDS * length(FIELDS);
        int padded = (setLength + 3) & ~3;
        ByteBuffer d = ByteBuffer.allocate(20 + padded);
        d.putShort((short) 9).putShort((short) RECORDS).putInt(3_600_000).putInt((int) EXPORT_SECONDS).putInt(1).putInt(0);
        d.putShort((short) 256).putShort((short) padded);
        records(d, FIELDS);
        d.position(d.limit());
        return new ByteBuffer[] {t.flip(), d.flip()};
    }

    /** IPFIX: the template message (sent once) and a data message of 30 records. */
    static ByteBuffer[] ipfix() {
        ByteBuffer t = ByteBuffer.allocate(16 + 8 + 4 * IPFIX_FIELDS.length);
        t.putShort((short) 10).putShort((short) t.capacity()).putInt((int) EXPORT_SECONDS).putInt(0).putInt(1);
        template(t, 2, IPFIX_FIELDS);
        int setLength = 4 + RECORDS * length(IPFIX_FIELDS);
        ByteBuffer d = ByteBuffer.allocate(16 + setLength);
        d.putShort((short) 10).putShort((short) d.capacity()).putInt((int) EXPORT_SECONDS).putInt(0).putInt(1);
        d.putShort((short) 256).putShort((short) setLength);
        records(d, IPFIX_FIELDS);
        return new ByteBuffer[] {t.flip(), d.flip()};
    }

    /** Counts what decoders report, nothing more. */
    static final class Context implements DecodeContext {
        final InetSocketAddress exporter = new InetSocketAddress("192.0.2.1", 2055);
        long drops, gaps;

        @Override
        public InetSocketAddress exporter() {
            return exporter;
        }

        @Override
        public long receivedMillis() {
            return EXPORT_SECONDS * 1000;
        }

        @Override
        public String listener() {
            return "bench";
        }

        @Override
        public void drop(String reason, long count) {
            drops += count;
        }

        @Override
        public void sequenceGap(long missing) {
            gaps += missing;
        }
    }
}
