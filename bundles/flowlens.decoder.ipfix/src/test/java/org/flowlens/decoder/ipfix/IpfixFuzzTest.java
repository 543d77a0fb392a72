package org.flowlens.decoder.ipfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.testing.CountingContext;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Hostile-input fuzzing of the NetFlow v9 and IPFIX decoders.
 *
 * <p>Each input is one datagram, decoded twice by a fresh decoder (the second pass sees the
 * templates the first one learned), then once more through a little-endian view. A normal test
 * run replays the seeds in {@code src/test/resources/org/flowlens/decoder/ipfix/IpfixFuzzTestInputs/<method>}
 * (real datagrams from the corpus) and any crash reproducers kept there. To fuzz one target for a
 * minute:
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl bundles/flowlens.decoder.ipfix test -Dtest='IpfixFuzzTest#fuzzIpfix'
 * JAZZER_FUZZ=1 mvn -pl bundles/flowlens.decoder.ipfix test -Dtest='IpfixFuzzTest#fuzzNetflowV9'
 * </pre>
 * A crash writes its input as {@code crash-*} next to the seeds: keep it there as a regression
 * test once fixed.
 */
class IpfixFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void fuzzIpfix(byte[] data) {
        IpfixDecoder d = new IpfixDecoder();
        run(d, d.engine, data, 10);
    }

    @FuzzTest(maxDuration = "60s")
    void fuzzNetflowV9(byte[] data) {
        NetflowV9Decoder d = new NetflowV9Decoder();
        run(d, d.engine, data, 9);
    }

    private static void run(FlowDecoder d, TemplateDecoder engine, byte[] data, int version) {
        if (data.length >= 2) {
            // mostly the decoder's own version, so that fuzzing reaches past the header check
            data[0] = 0;
            data[1] = (byte) version;
        }
        CountingContext ctx = new CountingContext();
        int records = 0;
        for (int pass = 0; pass < 2; pass++) {
            FlowBatch out = new FlowBatch();
            d.decode(ByteBuffer.wrap(data), ctx, out);
            records += out.size();
        }
        FlowBatch out = new FlowBatch();
        d.decode(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN), ctx, out);
        records += out.size();
        assertEquals(0, ctx.dropped("decoder_error"), "an exception escaped the parser");
        // a record takes at least one byte of some pass over the datagram
        assertTrue(records <= 3L * data.length, "records " + records + " from " + data.length + " bytes");
        assertTrue(engine.templateCount() <= engine.settings().maxTemplatesPerExporter());
        assertTrue(engine.pendingBytes() <= engine.settings().pendingMaxBytes());
    }
}
