package org.flowlens.bench.sflow;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.decoder.sflow.SflowDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Flow samples decoded per second on one thread. Each invocation decodes one datagram of {@value
 * #SAMPLES} flow samples, as a switch sends them: a 128-byte Ethernet/IPv4/TCP (or IPv6/UDP) raw
 * header and an extended switch record in each, and in the routed variant expanded samples with
 * extended router and gateway records too. The score is samples/s; with {@code -prof gc}, {@code
 * gc.alloc.rate.norm} is the allocation per sample (its FlowRecord, and the per-datagram state
 * divided by {@value #SAMPLES}).
 *
 * <pre>
 * java -jar bundles/flowlens.bench/target/benchmarks.jar SflowBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SflowBenchmark {
    static final int SAMPLES = 8;

    /** A context that only counts what the decoder reports. */
    static final class Context implements DecodeContext {
        private final InetSocketAddress exporter = new InetSocketAddress("192.0.2.1", 6343);
        long drops;
        long gaps;
        long now = 1_700_000_000_000L;

        @Override
        public InetSocketAddress exporter() {
            return exporter;
        }

        @Override
        public long receivedMillis() {
            return now;
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

    private final Context context = new Context();
    private final FlowBatch batch = new FlowBatch(64);
    private final SflowDecoder decoder = new SflowDecoder();
    private ByteBuffer switched;
    private ByteBuffer routed;
    private int sequence;

    @Setup(Level.Trial)
    public void setUp() {
        switched = datagram(false);
        routed = datagram(true);
        check(switched);
        check(routed);
    }

    private void check(ByteBuffer d) {
        batch.clear();
        decoder.decode(d.duplicate(), context, batch);
        if (batch.size() != SAMPLES || context.drops != 0) {
            throw new IllegalStateException("decoded " + batch.size() + " records, dropped " + context.drops);
        }
        batch.clear();
    }

    /** Keeps the sequence numbers moving, as a live agent's do (so no sample is a duplicate). */
    private ByteBuffer next(ByteBuffer d) {
        sequence++;
        d.putInt(16, sequence);
        for (int i = 0, p = 28; i < SAMPLES; i++) {
            d.putInt(p + 8, sequence);
            p += 8 + d.getInt(p + 4);
        }
        return d;
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public FlowBatch switchSamples() {
        batch.clear();
        decoder.decode(next(switched), context, batch);
        return batch;
    }

    @Benchmark
    @OperationsPerInvocation(SAMPLES)
    public FlowBatch routedExpandedSamples() {
        batch.clear();
        decoder.decode(next(routed), context, batch);
        return batch;
    }

    // ---------------------------------------------------------------- datagrams

    static ByteBuffer datagram(boolean routed) {
        ByteBuffer b = ByteBuffer.allocate(1500 * 4);
        b.putInt(5).putInt(1).putInt(0xC0000201).putInt(0).putInt(1).putInt(3_600_000).putInt(SAMPLES);
        for (int i = 0; i < SAMPLES; i++) {
            int start = b.position();
            b.putInt(routed ? 3 : 1).putInt(0); // sample format and length, patched below
            int records = routed ? 4 : 2;
            if (routed) {
                b.putInt(1).putInt(0).putInt(i + 1).putInt(1024).putInt(1024 * (i + 1)).putInt(0).putInt(0).putInt(i + 1).putInt(0)
                        .putInt(100 + i).putInt(records);
            } else {
                b.putInt(1).putInt(i + 1).putInt(1024).putInt(1024 * (i + 1)).putInt(0).putInt(i + 1).putInt(100 + i).putInt(records);
            }
            rawHeader(b, i);
            b.putInt(1001).putInt(16).putInt(10 + i).putInt(0).putInt(10 + i).putInt(0);
            if (routed) {
                b.putInt(1002).putInt(16).putInt(1).putInt(0x0A0000FE).putInt(24).putInt(16);
                b.putInt(1003).putInt(56).putInt(1).putInt(0x0A0000FD).putInt(65000).putInt(64512).putInt(64513).putInt(1)
                        .putInt(2).putInt(3).putInt(3356).putInt(1299).putInt(15169).putInt(1).putInt(65000 << 16 | 100).putInt(100);
            }
            b.putInt(start + 4, b.position() - start - 8);
        }
        return b.flip();
    }

    /** A raw packet header record: 128 bytes of an Ethernet frame, IPv4/TCP or IPv6/UDP by turns. */
    private static void rawHeader(ByteBuffer b, int i) {
        boolean v6 = i % 4 == 3;
        b.putInt(1).putInt(16 + 128).putInt(1).putInt(1518).putInt(4).putInt(128);
        int h = b.position();
        b.putShort((short) 0x0011).putInt(0x22334455).putShort((short) 0x6677).putInt(0x8899AABB);
        if (v6) {
            b.putShort((short) 0x86DD).putInt(0x6000_0000).putShort((short) 1460).put((byte) 17).put((byte) 64)
                    .putLong(0x2001_0DB8_0000_0000L).putLong(i + 1).putLong(0x2001_0DB8_0000_0001L).putLong(i + 2)
                    .putShort((short) (40000 + i)).putShort((short) 443).putShort((short) 1460).putShort((short) 0);
        } else {
            b.putShort((short) 0x0800).put((byte) 0x45).put((byte) 0).putShort((short) 1500).putInt(0x0001_4000)
                    .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0x0A000000 + i * 7).putInt(0xC0A80000 + i)
                    .putShort((short) (40000 + i)).putShort((short) 443).putInt(1000 + i).putInt(2000).put((byte) 0x50)
                    .put((byte) 0x18).putShort((short) 65535).putInt(0);
        }
        while (b.position() < h + 128) {
            b.put((byte) 0);
        }
    }
}
