package org.flowlens.bench.decode;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.decoder.ipfix.IpfixDecoder;
import org.flowlens.decoder.ipfix.NetflowV9Decoder;
import org.flowlens.decoder.netflow.NetflowDecoder;
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
 * Records decoded per second on one thread, per decoder: each invocation decodes one datagram of
 * {@value Datagrams#RECORDS} records into a reused batch, so the score is records/s. Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is then the allocation per record (the FlowRecord
 * the batch creates for each record, and nothing per field).
 *
 * <pre>
 * java -jar bundles/flowlens.bench/target/benchmarks.jar DecoderBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DecoderBenchmark {
    private final Datagrams.Context context = new Datagrams.Context();
    private final FlowBatch batch = new FlowBatch(64);
    private final NetflowDecoder netflow = new NetflowDecoder();
    private final NetflowV9Decoder v9 = new NetflowV9Decoder();
    private final IpfixDecoder ipfix = new IpfixDecoder();
    private ByteBuffer v5Data, v9Data, ipfixData;

    @Setup(Level.Trial)
    public void setUp() {
        v5Data = Datagrams.v5();
        ByteBuffer[] v9Messages = Datagrams.v9();
        v9.decode(v9Messages[0], context, batch);
        v9Data = v9Messages[1];
        ByteBuffer[] ipfixMessages = Datagrams.ipfix();
        ipfix.decode(ipfixMessages[0], context, batch);
        ipfixData = ipfixMessages[1];
        batch.clear();
        check(netflow, v5Data);
        check(v9, v9Data);
        check(ipfix, ipfixData);
    }

    private void check(org.flowlens.api.decode.FlowDecoder d, ByteBuffer data) {
        batch.clear();
        d.decode(data.duplicate(), context, batch);
        if (batch.size() != Datagrams.RECORDS || context.drops != 0) {
            throw new IllegalStateException(d + " decoded " + batch.size() + " records, dropped " + context.drops);
        }
        batch.clear();
    }

    @Benchmark
    @OperationsPerInvocation(Datagrams.RECORDS)
    public FlowBatch netflowV5() {
        batch.clear();
        netflow.decode(v5Data, context, batch);
        return batch;
    }

    @Benchmark
    @OperationsPerInvocation(Datagrams.RECORDS)
    public FlowBatch netflowV9() {
        batch.clear();
        v9.decode(v9Data, context, batch);
        return batch;
    }

    @Benchmark
    @OperationsPerInvocation(Datagrams.RECORDS)
    public FlowBatch ipfix() {
        batch.clear();
        ipfix.decode(ipfixData, context, batch);
        return batch;
    }
}
