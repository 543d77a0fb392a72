package org.flowlens.bench;

import java.util.concurrent.TimeUnit;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/** Cost of creating and batching records, the floor under every decoder. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class FlowRecordBenchmark {
    @Benchmark
    public FlowBatch batchOf64() {
        FlowBatch batch = new FlowBatch(64);
        for (int i = 0; i < 64; i++) {
            FlowRecord r = batch.next();
            r.srcV4(0x0A000001 + i).dstV4(0x0A000002).srcPort(1000 + i).dstPort(443).protocol(6).bytes(1500).packets(1);
        }
        return batch;
    }
}
