package org.flowlens.itest;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.flowlens.api.pipeline.FlowPipeline;

/**
 * NetFlow v5 export replayed into the pipeline at a steady rate, the way a UDP listener hands
 * datagrams over ({@link FlowPipeline#decode}), without the kernel in between so that every
 * datagram sent is one the pipeline counted. Thirty records per datagram: clients of 10.1.0.0/16
 * talking to public servers, and one source, 10.66.0.1, probing a new destination port with a
 * SYN in every datagram (a vertical scan of {@link #SCAN_PORTS} ports that repeats).
 */
final class Replay implements AutoCloseable {
    static final int RECORDS_PER_DATAGRAM = 30;
    static final int SCAN_PORTS = 300;
    static final String SCANNER = "10.66.0.1";

    private final FlowPipeline pipeline;
    private final String listener;
    private final int recordsPerSecond;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong datagrams = new AtomicLong();
    private final Thread thread;
    private final InetSocketAddress exporter;
    private final long started = System.nanoTime();
    private volatile long ended;

    /** Starts replaying; stops by itself after {@code maxSeconds} (a bound, not the expected length). */
    Replay(FlowPipeline pipeline, String listener, int recordsPerSecond, int maxSeconds) {
        this.pipeline = pipeline;
        this.listener = listener;
        this.recordsPerSecond = recordsPerSecond;
        this.exporter = new InetSocketAddress("127.0.0.51", 2055);
        thread = new Thread(() -> run(maxSeconds), "itest-replay-" + listener);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(int maxSeconds) {
        byte[] d = new byte[24 + 48 * RECORDS_PER_DATAGRAM];
        ByteBuffer b = ByteBuffer.wrap(d);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(maxSeconds);
        int sequence = 0;
        long n = 0;
        // every 5 ms, as many datagrams as the rate asks for by then; after a stall of the sender
        // (a pause, or the machine busy elsewhere) at most 20 ms worth at once: a steady stream, not
        // a burst of everything missed that would flood every consumer queue at once
        long skipped = 0;
        long maxBurst = Math.max(1, recordsPerSecond / 50 / RECORDS_PER_DATAGRAM);
        while (running.get() && System.nanoTime() < deadline) {
            long due = (System.nanoTime() - start) / 1000 * recordsPerSecond / 1_000_000 / RECORDS_PER_DATAGRAM + 1 - skipped;
            if (due - n > maxBurst) {
                skipped += due - n - maxBurst;
                due = n + maxBurst;
            }
            for (; n < due; n++) {
                fill(b, n, sequence);
                sequence += RECORDS_PER_DATAGRAM;
                pipeline.decode(ByteBuffer.wrap(d), exporter, System.currentTimeMillis(), listener);
                datagrams.incrementAndGet();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** One datagram of the replay, number {@code n}, to send by UDP. */
    static byte[] datagram(long n) {
        byte[] d = new byte[24 + 48 * RECORDS_PER_DATAGRAM];
        fill(ByteBuffer.wrap(d), n, (int) n * RECORDS_PER_DATAGRAM);
        return d;
    }

    /** Datagram number {@code n}: a v5 header and thirty records, the first one a probe of the scanner. */
    private static void fill(ByteBuffer b, long n, int sequence) {
        long now = System.currentTimeMillis();
        b.putShort(0, (short) 5).putShort(2, (short) RECORDS_PER_DATAGRAM);
        b.putInt(4, 3_600_000); // uptime
        b.putInt(8, (int) (now / 1000)).putInt(12, (int) (now % 1000) * 1_000_000);
        b.putInt(16, sequence);
        b.put(20, (byte) 0).put(21, (byte) 0).putShort(22, (short) 0);
        for (int i = 0; i < RECORDS_PER_DATAGRAM; i++) {
            int r = 24 + 48 * i;
            boolean probe = i == 0;
            int client = (int) ((n * 7 + i) % 4096);
            int src = probe ? 0x0A420001 : 0x0A010000 | client;
            int dst = probe ? 0x0A000063 : 0xC6336400 | (int) ((n + i) % 64); // 10.0.0.99 or 198.51.100.x
            b.putInt(r, src).putInt(r + 4, dst).putInt(r + 8, 0);
            b.putShort(r + 12, (short) 1).putShort(r + 14, (short) 2);
            b.putInt(r + 16, probe ? 1 : 10).putInt(r + 20, probe ? 44 : 1500 + i);
            b.putInt(r + 24, 3_590_000).putInt(r + 28, 3_599_000);
            b.putShort(r + 32, (short) (probe ? 40_000 : 40_000 + client));
            b.putShort(r + 34, (short) (probe ? 1 + (int) (n % SCAN_PORTS) : 443));
            b.put(r + 36, (byte) 0).put(r + 37, (byte) (probe ? 0x02 : 0x1B)).put(r + 38, (byte) 6).put(r + 39, (byte) 0);
            b.putShort(r + 40, (short) 0).putShort(r + 42, (short) 0).put(r + 44, (byte) 16).put(r + 45, (byte) 24).putShort(r + 46, (short) 0);
        }
    }

    /** Records per second sent so far, from the start to now (or to the end). */
    long rate() {
        long end = ended == 0 ? System.nanoTime() : ended;
        return records() * 1_000_000_000L / Math.max(1, end - started);
    }

    long datagrams() {
        return datagrams.get();
    }

    long records() {
        return datagrams.get() * RECORDS_PER_DATAGRAM;
    }

    int recordsPerSecond() {
        return recordsPerSecond;
    }

    String listener() {
        return listener;
    }

    /** Stops sending and waits for the sender to finish its slice. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(10_000);
        if (ended == 0) {
            ended = System.nanoTime();
            System.out.printf("replay %s: %d records in %.1f s, %d records/s%n", listener, records(), (ended - started) / 1e9, rate());
        }
    }
}
