package org.flowlens.detect.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class TrafficTest {
    private static FlowRecord r(int protocol, int sport, int dport, int flags, long packets) {
        return new FlowBatch().next().srcV4(1).dstV4(2).protocol(protocol).srcPort(sport).dstPort(dport).tcpFlags(flags)
                .packets(packets).bytes(packets * 60);
    }

    @Test
    void probesAndConversations() {
        assertTrue(Traffic.probe(r(6, 40000, 22, Traffic.SYN, 1)), "SYN probe");
        assertTrue(Traffic.probe(r(6, 40000, 22, Traffic.SYN | Traffic.RST, 2)), "half-open scan of an open port");
        assertTrue(Traffic.probe(r(6, 40000, 22, Traffic.FIN | Traffic.PSH | 0x20, 1)), "Xmas probe");
        assertTrue(Traffic.probe(r(6, 40000, 22, Traffic.SYN | Traffic.ACK | Traffic.RST, 3)), "connect scan");
        assertFalse(Traffic.probe(r(6, 40000, 22, Traffic.SYN | Traffic.ACK | Traffic.PSH | Traffic.FIN, 12)), "a conversation");
        assertFalse(Traffic.probe(r(6, 22, 40000, Traffic.SYN | Traffic.ACK, 1)), "an answer");
        assertFalse(Traffic.probe(r(6, 22, 40000, Traffic.RST | Traffic.ACK, 1)), "a refusal");
        assertTrue(Traffic.probe(r(6, 40000, 22, 0, 2)), "no flags, two packets");
        assertFalse(Traffic.probe(r(6, 40000, 22, 0, 50)), "no flags, many packets");
        assertTrue(Traffic.probe(r(17, 40000, 161, 0, 1)), "UDP probe");
        assertFalse(Traffic.probe(r(17, 53, 40000, 0, 1)), "a DNS answer");
        assertFalse(Traffic.probe(r(17, 40000, 443, 0, 400)), "QUIC");
        assertFalse(Traffic.probe(r(1, 0, 8 << 8, 0, 1)), "ICMP is no port probe");
        assertTrue(Traffic.icmpRequest(r(1, 0, 8 << 8, 0, 1)));
        assertFalse(Traffic.icmpRequest(r(1, 0, 0, 0, 1)), "echo reply");
        assertTrue(Traffic.icmpRequest(r(58, 0, 128 << 8, 0, 1)));
        assertTrue(Traffic.synOnly(r(6, 40000, 22, Traffic.SYN, 3)));
        assertFalse(Traffic.synOnly(r(6, 40000, 22, Traffic.SYN | Traffic.ACK, 3)));
    }

    @Test
    void sampledRecordsWeighTheirRate() {
        FlowRecord s = r(6, 1, 2, Traffic.SYN, 100).samplingRate(100);
        assertEquals(100, Traffic.weight(s));
        assertEquals(1, Traffic.observedPackets(s));
        assertTrue(Traffic.probe(r(6, 40000, 22, 0, 200).samplingRate(100)), "two packets seen, sampled 1:100");
        assertEquals(1, Traffic.weight(r(6, 1, 2, 0, 1).samplingRate(0)));
    }
}
