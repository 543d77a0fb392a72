package org.flowlens.decoder.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.flowlens.pcap.PcapReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parses every packet of real captures and compares per-protocol packets and frame bytes with
 * tshark's, and per-protocol IP bytes with nfpcapd's.
 */
class ParserCorpusTest {

    static Stream<Path> inputs() throws IOException {
        return Corpus.inputs();
    }

    static void check(Path pcap) throws IOException {
        JsonObject truth = Corpus.truth(pcap);
        PacketParser parser = new PacketParser();
        PacketInfo info = new PacketInfo();
        Map<Integer, long[]> perProtocol = new TreeMap<>();
        long ipPackets = 0;
        long notIp = 0;
        long other = 0;
        try (PcapReader r = PcapReader.open(pcap)) {
            while (r.next()) {
                ByteBuffer b = r.packet();
                int rc = parser.parse(b, b.position(), b.remaining(), r.linkType(), info);
                if (rc == PacketParser.OK) {
                    ipPackets++;
                    long[] v = perProtocol.computeIfAbsent(info.protocol(), k -> new long[3]);
                    v[0]++;
                    v[1] += r.capturedLength();
                    v[2] += info.ipLength();
                } else if (rc == PacketParser.NOT_IP) {
                    notIp++;
                } else {
                    other++;
                }
            }
        }
        assertEquals(0, other, pcap + ": truncated or malformed packets");
        JsonObject tsharkProtocols = truth.getAsJsonObject("tshark").getAsJsonObject("per_ip_protocol");
        JsonObject nfpcapd = truth.getAsJsonObject("nfpcapd");
        long softflowdPackets = truth.getAsJsonObject("softflowd").get("packets_processed").getAsLong();
        assertEquals(softflowdPackets, ipPackets, pcap + ": IP packets (softflowd's processed packets)");
        long packets = truth.getAsJsonObject("capinfos").get("packets").getAsLong();
        assertEquals(packets - softflowdPackets, notIp, pcap + ": non-IP frames");
        long tcpBytes = 0;
        long udpBytes = 0;
        long icmpBytes = 0;
        long otherBytes = 0;
        for (Map.Entry<Integer, long[]> e : perProtocol.entrySet()) {
            int proto = e.getKey();
            long[] v = e.getValue();
            JsonObject t = tsharkProtocols.getAsJsonObject(Integer.toString(proto));
            if (t != null && v[0] == t.get("packets").getAsLong()) {
                // tshark's outer-header view agrees with ours for this protocol: frame bytes too
                assertEquals(t.get("bytes").getAsLong(), v[1], pcap + ": frame bytes of protocol " + proto);
            }
            if (proto == 6) {
                tcpBytes += v[2];
            } else if (proto == 17) {
                udpBytes += v[2];
            } else if (proto == 1) { // nfpcapd counts ICMPv6 with the other protocols
                icmpBytes += v[2];
            } else {
                otherBytes += v[2];
            }
        }
        assertEquals(nfpcapd.get("Bytes_tcp").getAsLong(), tcpBytes, pcap + ": TCP IP bytes");
        assertEquals(nfpcapd.get("Bytes_udp").getAsLong(), udpBytes, pcap + ": UDP IP bytes");
        assertEquals(nfpcapd.get("Bytes_icmp").getAsLong(), icmpBytes, pcap + ": ICMP IP bytes");
        assertEquals(nfpcapd.get("Bytes_other").getAsLong(), otherBytes, pcap + ": other IP bytes");
        assertEquals(nfpcapd.get("Packets_tcp").getAsLong(), perProtocol.getOrDefault(6, new long[3])[0], pcap + ": TCP packets");
        assertEquals(nfpcapd.get("Packets_udp").getAsLong(), perProtocol.getOrDefault(17, new long[3])[0], pcap + ": UDP packets");
    }

    @ParameterizedTest
    @MethodSource("inputs")
    void corpusInput(Path pcap) throws IOException {
        check(pcap);
    }

    @Test
    void fixtures() throws IOException {
        check(Corpus.fixture("in-tcpreplay-test.pcap"));
        check(Corpus.fixture("in-ndpi-googledns_android10.pcap"));
    }

    @Test
    void mplsPseudowireFramesOpenWhenDecapsulating() throws IOException {
        // in-tcpreplay-test.pcap ends with ten Ethernet-over-MPLS frames (with a control word)
        PacketParser decap = new PacketParser(true);
        PacketInfo info = new PacketInfo();
        int pseudowire = 0;
        try (PcapReader r = PcapReader.open(Corpus.fixture("in-tcpreplay-test.pcap"))) {
            while (r.next()) {
                ByteBuffer b = r.packet();
                int rc = decap.parse(b, b.position(), b.remaining(), r.linkType(), info);
                if (info.tunnel() == PacketInfo.TUNNEL_MPLS_PW) {
                    assertEquals(PacketParser.OK, rc);
                    assertEquals(2, info.mplsLabels());
                    assertEquals(4, info.ipVersion());
                    pseudowire++;
                }
            }
        }
        assertEquals(10, pseudowire);
    }
}
