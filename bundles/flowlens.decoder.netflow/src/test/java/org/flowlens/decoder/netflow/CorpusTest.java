package org.flowlens.decoder.netflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.testing.Corpus;
import org.flowlens.api.testing.CountingContext;
import org.flowlens.pcap.UdpDatagrams;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.google.gson.JsonObject;

/**
 * Decodes every NetFlow v5 capture of the shared corpus and compares the totals with the
 * third-party reference decoders.
 *
 * <p>Where the references disagree we take a side, as a collector's user would want it:
 * <ul>
 *   <li>{@code logstash-nfv5-generic}: the header says 2 records but 1,704 bytes follow. We trust
 *       the count (spec-correct, as tshark): 2 flows. nfdump decodes 30, pmacct rejects it.</li>
 *   <li>{@code logstash-nfv5-malformed}: headers announce 55,582 records in 1,472 bytes. We decode
 *       the 30 records each datagram actually holds, exactly as on the wire however absurd their
 *       counters, and count the rest as truncated (as tshark; nfdump and pmacct drop both
 *       datagrams).</li>
 *   <li>{@code logstash-nfv5-juniper_mx80}: the header announces 1:1000 sampling. We scale bytes and
 *       packets by it (as nfdump), so totals estimate the real traffic; tshark and pmacct report
 *       the raw counters.</li>
 * </ul>
 */
class CorpusTest {
    /** Which reference each disputed capture is matched against. */
    static final Map<String, String> DISPUTED = Map.of(
            "logstash-nfv5-generic.pcap", "tshark",
            "logstash-nfv5-malformed.pcap", "tshark",
            "logstash-nfv5-juniper_mx80.pcap", "nfdump");

    static Corpus.Totals decodeAll(List<UdpDatagrams.Datagram> datagrams, NetflowDecoder decoder, CountingContext ctx) {
        Corpus.Totals t = Corpus.Totals.of(0, 0, 0);
        long flows = 0, packets = 0, bytes = 0;
        FlowBatch out = new FlowBatch();
        for (UdpDatagrams.Datagram d : datagrams) {
            ctx.exporter = d.exporter();
            ctx.receivedMillis = d.millis();
            out.clear();
            decoder.decode(d.buffer(), ctx, out);
            for (FlowRecord r : out) {
                flows++;
                packets += r.packets();
                bytes += r.bytes();
                long[] p = t.perProtocol().computeIfAbsent(r.protocol(), k -> new long[3]);
                p[0]++;
                p[1] += r.packets();
                p[2] += r.bytes();
            }
        }
        return new Corpus.Totals(flows, packets, bytes, t.perProtocol());
    }

    static void check(Path pcap, JsonObject truth) throws IOException {
        String name = pcap.getFileName().toString();
        Corpus.Totals got = decodeAll(UdpDatagrams.read(pcap), new NetflowDecoder(), new CountingContext());
        String tool = DISPUTED.get(name);
        if (tool == null) {
            Corpus.Totals ref = Corpus.totals(truth, "reference");
            assertEquals(ref.toString(), got.toString(), name + " against the reference");
            assertEquals(Corpus.consensus(truth, "flows"), got.flows(), name + " flows against the consensus");
            assertEquals(Corpus.consensus(truth, "packets"), got.packets(), name + " packets against the consensus");
            assertEquals(Corpus.consensus(truth, "bytes"), got.bytes(), name + " bytes against the consensus");
        } else {
            Corpus.Totals ref = Corpus.totals(truth, tool);
            assertEquals(ref.toString(), got.toString(), name + " against " + tool);
        }
    }

    @TestFactory
    List<DynamicTest> generatedExports() throws IOException {
        List<Path> files = Corpus.files("exports", "-nfv5.pcap");
        assertFalse(files.isEmpty());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f, Corpus.truth(f)))).toList();
    }

    @TestFactory
    List<DynamicTest> thirdPartyExports() throws IOException {
        List<Path> files = Corpus.files("thirdparty", "-nfv5");
        assertFalse(files.isEmpty());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f, Corpus.truth(f)))).toList();
    }

    @Test
    void truncationIsCountedForTheMalformedCapture() throws IOException {
        Path f = Corpus.root().resolve("thirdparty/logstash-nfv5-malformed.pcap");
        CountingContext ctx = new CountingContext();
        Corpus.Totals got = decodeAll(UdpDatagrams.read(f), new NetflowDecoder(), ctx);
        assertEquals(60, got.flows());
        assertEquals(true, ctx.dropped("truncated") > 0);
    }
}
