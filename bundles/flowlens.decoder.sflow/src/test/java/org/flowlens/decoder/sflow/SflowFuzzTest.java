package org.flowlens.decoder.sflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.testing.CountingContext;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Hostile-input fuzzing of the sFlow decoder.
 *
 * <p>A normal test run replays the seeds in
 * {@code src/test/resources/org/flowlens/decoder/sflow/SflowFuzzTestInputs/fuzzDecode} (real
 * datagrams from the corpus) and any crash reproducers kept there. To fuzz for a minute:
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl bundles/flowlens.decoder.sflow test -Dtest=SflowFuzzTest
 * </pre>
 * A crash writes its input as {@code crash-*} next to the seeds: keep it there as a regression
 * test once fixed.
 */
class SflowFuzzTest {
    static final int MAX_AGENTS = 16, MAX_SOURCES = 64, MAX_INTERFACES = 64;

    /** One decoder for the whole run, so that state built by earlier inputs is exercised and must stay bounded. */
    private static final SflowDecoder DECODER = new SflowDecoder();

    static {
        DECODER.configure(Configs.of(SflowDecoder.Config.class,
                Map.of("maxAgents", MAX_AGENTS, "maxSources", MAX_SOURCES, "maxInterfaces", MAX_INTERFACES)));
    }

    @FuzzTest(maxDuration = "60s")
    void fuzzDecode(byte[] data) {
        CountingContext ctx = new CountingContext();
        FlowBatch out = new FlowBatch();
        DECODER.decode(ByteBuffer.wrap(data), ctx, out);
        assertEquals(0, ctx.dropped(SflowDecoder.DECODER_ERROR), "the decoder threw inside");
        // every record needs at least a flow sample header and a raw header or sampled IP record
        assertTrue(out.size() * 56L <= data.length, "more records than bytes allow: " + out.size());
        for (FlowRecord r : out) {
            assertTrue(r.samplingRate() >= 1 && r.packets() == r.samplingRate() && r.bytes() >= 0, r.toString());
        }
        assertTrue(DECODER.trackedAgents() <= MAX_AGENTS, "agents " + DECODER.trackedAgents());
        assertTrue(DECODER.trackedSources() <= MAX_SOURCES, "sources " + DECODER.trackedSources());
        assertTrue(DECODER.trackedInterfaces() <= MAX_INTERFACES, "interfaces " + DECODER.trackedInterfaces());
        DECODER.agents();
        DECODER.interfaces();
        DECODER.decode(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN), ctx, new FlowBatch());
        assertEquals(0, ctx.dropped(SflowDecoder.DECODER_ERROR), "the decoder threw inside");
    }
}
