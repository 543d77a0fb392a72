package org.flowlens.decoder.netflow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.testing.CountingContext;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Hostile-input fuzzing of the NetFlow v1/v5/v7 decoder.
 *
 * <p>A normal test run replays the seeds in
 * {@code src/test/resources/org/flowlens/decoder/netflow/NetflowFuzzTestInputs/fuzzDecode}
 * (real datagrams from the corpus) and any crash reproducers kept there. To fuzz for a minute:
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl bundles/flowlens.decoder.netflow test -Dtest=NetflowFuzzTest
 * </pre>
 * A crash writes its input as {@code crash-*} next to the seeds: keep it there as a regression
 * test once fixed.
 */
class NetflowFuzzTest {
    private final NetflowDecoder decoder = new NetflowDecoder();

    @FuzzTest(maxDuration = "60s")
    void fuzzDecode(byte[] data) {
        CountingContext ctx = new CountingContext();
        FlowBatch out = new FlowBatch();
        decoder.decode(ByteBuffer.wrap(data), ctx, out);
        assertTrue(out.size() * 48L <= data.length, "more records than bytes allow: " + out.size());
        assertTrue(ctx.dropped("decoder_error") == 0, "decoder threw internally");
        decoder.decode(ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN), ctx, new FlowBatch());
    }
}
