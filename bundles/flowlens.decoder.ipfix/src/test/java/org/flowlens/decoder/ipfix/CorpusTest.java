package org.flowlens.decoder.ipfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.decode.WireVersion;
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
 * Decodes every NetFlow v9 and IPFIX capture of the shared corpus, datagram by datagram in
 * capture order, and compares flows, packets, bytes and the per-protocol split with the
 * third-party reference decoders.
 *
 * <p>The references report counters as they are on the wire; we scale them by the sampling rate.
 * The comparison therefore uses the wire counters (scaled value divided by the rate kept on each
 * record), and {@link #samplingIsApplied()} checks the scaling itself.
 *
 * <p>Where the references disagree we take a side, as a collector's user would want it:
 * <ul>
 *   <li>{@code akvorado-ipfix-datalink}, {@code -eompls}, {@code -srv6}: records that carry a
 *       sampled data-link frame, or SRv6 fields, but no counters. They are flow records: we emit
 *       them, with zero bytes and packets, as nfdump does (tshark lists them as options data,
 *       pmacct reads bytes out of the frame section).</li>
 *   <li>{@code logstash-nfv9-cisco_asa}: Cisco ASA sends octetTotalCount (85) and no delta
 *       counter: we count it as bytes, as nfdump and pmacct do (tshark reports 0).</li>
 *   <li>{@code logstash-nfv9-cisco_asa2}: Cisco NSEL initiator and responder octets (231, 232) and
 *       no other counter: a connection's bytes are both directions, so we count their sum, as
 *       tshark does (nfdump counts only the initiator's, pmacct none).</li>
 *   <li>{@code logstash-nfv9-h3c}: the template declares a 2-byte IPv4 router field; tshark gives
 *       up after the first record, we skip the field by its length and decode all 16, as nfdump
 *       and pmacct do.</li>
 *   <li>{@code logstash-nfv9-malformed}: the header count (2) covers only the templates, but the
 *       datagram carries two well-formed data records after them. The v9 count is informational;
 *       we decode the records, as nfdump does (tshark and pmacct stop at the count). Their
 *       interface is sampled 1:100 by an options record, which we apply.</li>
 * </ul>
 */
class CorpusTest {
    /** Which reference each disputed capture is matched against. */
    static final Map<String, String> DISPUTED = Map.of(
            "akvorado-ipfix-datalink.pcap", "nfdump",
            "akvorado-ipfix-eompls.pcap", "nfdump",
            "akvorado-ipfix-srv6.pcap", "nfdump",
            "logstash-nfv9-cisco_asa.pcap", "nfdump",
            "logstash-nfv9-cisco_asa2.pcap", "tshark",
            "logstash-nfv9-h3c.pcap", "nfdump",
            "logstash-nfv9-malformed.pcap", "nfdump");

    /**
     * Captures with data sets that precede their template: flows, packets and bytes in those sets.
     * The references do not decode them; we hold them back and decode them once the template
     * arrives (here, later in the same datagram: its header count, 24, includes the 11 records).
     */
    static final Map<String, long[]> HELD_BACK = Map.of("akvorado-nfv9-data+templates.pcap", new long[] {11, 18, 3737});

    /** What a run over one capture produced. */
    record Run(Corpus.Totals wire, long scaledPackets, long scaledBytes, CountingContext context, List<FlowRecord> records) {}

    static Run decodeAll(List<UdpDatagrams.Datagram> datagrams) {
        return decodeAll(datagrams, Map.of());
    }

    /** Decodes with both decoders configured with {@code config} over their defaults. */
    static Run decodeAll(List<UdpDatagrams.Datagram> datagrams, Map<String, Object> config) {
        NetflowV9Decoder v9 = new NetflowV9Decoder();
        v9.configure(Configs.of(TemplateDecoderConfig.class, config));
        IpfixDecoder ipfix = new IpfixDecoder();
        ipfix.configure(Configs.of(TemplateDecoderConfig.class, config));
        CountingContext ctx = new CountingContext();
        Corpus.Totals t = Corpus.Totals.of(0, 0, 0);
        long flows = 0, packets = 0, bytes = 0, scaledPackets = 0, scaledBytes = 0;
        List<FlowRecord> records = new ArrayList<>();
        for (UdpDatagrams.Datagram d : datagrams) {
            ctx.exporter = d.exporter();
            ctx.receivedMillis = d.millis();
            FlowBatch out = new FlowBatch();
            switch (WireVersion.of(d.buffer())) {
                case WireVersion.NETFLOW_V9 -> v9.decode(d.buffer(), ctx, out);
                case WireVersion.IPFIX -> ipfix.decode(d.buffer(), ctx, out);
                default -> ctx.drop("not_netflow9_or_ipfix", 1);
            }
            for (FlowRecord r : out) {
                records.add(r);
                long p = r.packets() / r.samplingRate();
                long b = r.bytes() / r.samplingRate();
                flows++;
                packets += p;
                bytes += b;
                scaledPackets += r.packets();
                scaledBytes += r.bytes();
                long[] pp = t.perProtocol().computeIfAbsent(r.protocol(), k -> new long[3]);
                pp[0]++;
                pp[1] += p;
                pp[2] += b;
            }
        }
        return new Run(new Corpus.Totals(flows, packets, bytes, t.perProtocol()), scaledPackets, scaledBytes, ctx, records);
    }

    static Run check(Path pcap, JsonObject truth) throws IOException {
        String name = pcap.getFileName().toString();
        // a set held back for its template is decoded by us and by none of the references: compare without holding back
        Map<String, Object> config = HELD_BACK.containsKey(name) ? Map.of("pendingMaxBytes", 0) : Map.of();
        Run run = decodeAll(UdpDatagrams.read(pcap), config);
        Corpus.Totals got = run.wire();
        String tool = DISPUTED.get(name);
        if (tool == null) {
            Corpus.Totals ref = Corpus.totals(truth, "reference");
            assertEquals(ref.toString(), got.toString(), name + " against the reference; drops " + run.context().drops);
            assertEquals(Corpus.consensus(truth, "flows"), got.flows(), name + " flows against the consensus");
            assertEquals(Corpus.consensus(truth, "packets"), got.packets(), name + " packets against the consensus");
            assertEquals(Corpus.consensus(truth, "bytes"), got.bytes(), name + " bytes against the consensus");
        } else {
            Corpus.Totals ref = Corpus.totals(truth, tool);
            assertEquals(ref.flows() + "/" + ref.packets() + "/" + ref.bytes(), got.flows() + "/" + got.packets() + "/" + got.bytes(),
                    name + " against " + tool + "; drops " + run.context().drops);
        }
        return run;
    }

    @TestFactory
    List<DynamicTest> generatedExports() throws IOException {
        List<Path> files = Corpus.files("exports", "-nfv9.pcap", "-ipfix.pcap");
        assertFalse(files.isEmpty());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Run run = check(f, Corpus.truth(f));
            // generated exports are clean: nothing may be dropped
            assertEquals(Map.of(), run.context().drops, f.getFileName() + " drops");
        })).toList();
    }

    @TestFactory
    List<DynamicTest> thirdPartyExports() throws IOException {
        List<Path> files = Corpus.files("thirdparty", "-nfv9", "-ipfix");
        assertFalse(files.isEmpty());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f, Corpus.truth(f)))).toList();
    }

    @Test
    void samplingIsApplied() throws IOException {
        // every record carries samplingInterval 2048 itself
        Run run = decodeAll(UdpDatagrams.read(Corpus.root().resolve("thirdparty/akvorado-nfv9-samplingrate.pcap")));
        assertEquals(6, run.wire().flows());
        assertEquals(6 * 2048, run.scaledPackets());
        assertEquals(3740L * 2048, run.scaledBytes());
        run.records().forEach(r -> assertEquals(2048, r.samplingRate()));
        // options data: interface 0 sampled 1 in 100, the two records came in on interface 0
        run = decodeAll(UdpDatagrams.read(Corpus.root().resolve("thirdparty/logstash-nfv9-malformed.pcap")));
        assertEquals(200, run.scaledPackets());
        assertEquals(19_400, run.scaledBytes());
    }

    @Test
    void dataBeforeTemplateIsDecodedOnceTheTemplateArrives() throws IOException {
        Path f = Corpus.root().resolve("thirdparty/akvorado-nfv9-data+templates.pcap");
        Corpus.Totals without = decodeAll(UdpDatagrams.read(f), Map.of("pendingMaxBytes", 0)).wire();
        Run with = decodeAll(UdpDatagrams.read(f));
        long[] held = HELD_BACK.get(f.getFileName().toString());
        assertEquals(without.flows() + held[0], with.wire().flows());
        assertEquals(without.packets() + held[1], with.wire().packets());
        assertEquals(without.bytes() + held[2], with.wire().bytes());
        assertEquals(Map.of(), with.context().drops);
        // logstash-ipfix-generic: tshark's two "sets without template" lie after the end the message
        // header announces (484 of 788 bytes): not part of the message, ignored and counted
        Run generic = decodeAll(UdpDatagrams.read(Corpus.root().resolve("thirdparty/logstash-ipfix-generic.pcap")));
        assertEquals(Map.of("bad_length", 1L), generic.context().drops);
    }
}
