package org.flowlens.decoder.sflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.testing.Corpus;
import org.flowlens.decoder.sflow.agents.AgentStatus;
import org.flowlens.decoder.sflow.agents.InterfaceCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small captures committed with the tests (see src/test/resources/corpus/README.md): no shared corpus needed. */
class FixtureTest {
    static Path fixture(String name) throws URISyntaxException {
        return Path.of(FixtureTest.class.getResource("/corpus/" + name).toURI());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "tcpreplay-test__pmacctd-sflow.pcap",
        "akvorado-sflow.pcap",
        "tcpdump-sflow-expanded.pcap",
        "tcpdump-sflow-counters30.pcap"
    })
    void decodesLikeTheReference(String name) throws IOException, URISyntaxException {
        Path pcap = fixture(name);
        CorpusTest.check(pcap, Corpus.truth(pcap));
    }

    /**
     * The counter samples of five agents: tshark finds 94 distinct agent / sub-agent / ifIndex
     * triples in their generic interface counter records, and for 15.184.1.195 ifIndex 4 the
     * input octets 3,013,636,604 in the first datagram and 3,013,639,728 in a later one. The host
     * counters of the two hsflowd agents (records 0:2000-2006) are skipped by their length.
     */
    @Test
    void counterSamplesKeepTheLatestCountersPerInterface() throws IOException, URISyntaxException {
        CorpusTest.Stats s = CorpusTest.decodeAll(fixture("tcpdump-sflow-counters30.pcap"));
        assertEquals(0, s.records, "counters are never traffic");
        List<InterfaceCounters> all = s.decoder.interfaces();
        assertEquals(94, all.size());
        InterfaceCounters c = s.decoder.interfaceCounters("15.184.1.195", 4).orElseThrow();
        assertEquals(3_013_639_728L, c.inOctets());
        assertEquals(584_569_975L, c.outOctets());
        assertEquals(1_000_000_000L, c.ifSpeed());
        assertEquals(10_000_000_000L, s.decoder.interfaceCounters("15.184.1.195", 50).orElseThrow().ifSpeed());
        // tshark calls two of the counter samples malformed: its dissector misreads their host
        // adapters record (hsflowd, 0:2001); their lengths are consistent and they decode cleanly
        assertEquals(java.util.Map.of(), s.context.drops);
        for (AgentStatus a : s.decoder.agents()) {
            assertEquals(0, a.missingDatagrams(), a.toString());
        }
    }

    /**
     * akvorado's capture: the agent address, not the UDP source, is the exporter; AS numbers, next
     * hops and masks from the extended gateway and router records (values as tshark shows them).
     */
    @Test
    void agentAddressesAndRoutingData() throws IOException, URISyntaxException {
        CorpusTest.Stats s = CorpusTest.decodeAll(fixture("akvorado-sflow.pcap"));
        List<String> agents = s.decoder.agents().stream().map(a -> a.agent() + "/" + a.subAgent()).sorted().toList();
        assertEquals(List.of("127.0.0.1/1402", "172.16.0.3/0", "172.17.128.58/100", "172.19.64.116/100000", "49.49.49.49/0",
                "49.49.49.49/1"), agents);

        FlowRecord cloudflare = from(s, "104.26.8.24");
        assertEquals("172.16.0.3", IpAddresses.format(cloudflare.exporterHi(), cloudflare.exporterLo()));
        assertEquals(13335, cloudflare.srcAs());
        assertEquals(39421, cloudflare.dstAs(), "empty AS path: the router's own AS");
        assertEquals("45.90.161.46", IpAddresses.format(cloudflare.nextHopHi(), cloudflare.nextHopLo()));
        assertEquals(20, cloudflare.srcMask());
        assertEquals(27, cloudflare.dstMask());
        assertEquals(1024, cloudflare.samplingRate());
        assertEquals(439 * 1024L, cloudflare.bytes());

        FlowRecord syn = from(s, "45.90.161.148");
        assertEquals(39421, syn.srcAs(), "a local source: the router's own AS");
        assertEquals(26615, syn.dstAs());
        assertEquals("31.14.69.110", IpAddresses.format(syn.nextHopHi(), syn.nextHopLo()));
        assertEquals(0x02, syn.tcpFlags());
        assertEquals(5555, syn.dstPort());

        FlowRecord expanded = from(s, "52.52.52.52");
        assertEquals(203476, expanded.srcAs());
        assertEquals(203361, expanded.dstAs());
        assertEquals(32, expanded.srcMask());
        assertEquals(22, expanded.dstMask());
        assertEquals(1000, expanded.samplingRate());

        FlowRecord qinq = from(s, "49.49.49.2");
        assertEquals(1062, qinq.vlan(), "the outer tag of a QinQ header");
        assertEquals(6, qinq.protocol());
        assertEquals(4096, qinq.samplingRate());
    }

    private static FlowRecord from(CorpusTest.Stats s, String src) {
        List<FlowRecord> found = s.all.stream().filter(r -> IpAddresses.format(r.srcHi(), r.srcLo()).equals(src)).toList();
        assertEquals(1, found.size(), src);
        return found.get(0);
    }
}
