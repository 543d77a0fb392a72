package org.flowlens.detect;

import static org.flowlens.detect.Flows.ACK;
import static org.flowlens.detect.Flows.RST;
import static org.flowlens.detect.Flows.SYN;
import static org.flowlens.detect.Flows.syn;
import static org.flowlens.detect.Flows.tcp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UnansweredDetectorTest {
    private final Harness h = new Harness();
    private final int bad = v4("203.0.113.50");
    private UnansweredDetector d;

    private void start(Map<String, Object> config) {
        d = h.wire(new UnansweredDetector());
        d.activate(Configs.of(UnansweredDetector.Config.class, config));
    }

    @AfterEach
    void stop() {
        d.deactivate(Harness.DISABLED);
    }

    /** As the packet meter reports sessions: the initiator's record, then the answer's if any. */
    private void sessions(int n, int answerFlags) {
        sessions(n, answerFlags, 30000);
    }

    private void sessions(int n, int answerFlags, int firstPort) {
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < n; i++) {
            int dst = v4("10.0.1.0", i % 10);
            int sport = firstPort + i;
            syn(b, bad, dst, sport, 22).format("pcap");
            if (answerFlags != 0) {
                tcp(b, dst, bad, 22, sport, answerFlags, 1, 40).format("pcap");
            }
        }
        d.accept(b);
    }

    @Test
    void attemptsWithoutAnswerRaiseABadIp() {
        start(Map.of("threshold", 20));
        long begin = h.ticker.now();
        sessions(25, 0);
        h.ticker.advance(3_000);
        assertEquals(1, h.raised().size());
        Alert a = h.raised().get(0);
        assertEquals("unanswered", a.detector());
        assertEquals("203.0.113.50", a.key());
        assertEquals(25, a.value());
        assertEquals(22L, a.evidence().get(0).get("port"));
        assertTrue(a.message().contains("10 distinct address and port pairs"), a.message());
        Harness.logTimeToAlert("unanswered, 25 attempts at once, 1 s reply wait (simulated clock)", a.firstMillis() - begin);
    }

    @Test
    void answeredOrRefusedAttemptsAreNotUnanswered() {
        Map<String, Object> cfg = new HashMap<>(Map.of("threshold", 20, "cooldown", "0"));
        start(cfg);
        sessions(30, SYN | ACK); // half-open: the server answered
        sessions(30, RST | ACK); // closed port: refused
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty());
        cfg.put("countRefused", true);
        d.modified(Configs.of(UnansweredDetector.Config.class, cfg));
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "refused attempts count once asked to");
        assertEquals(30, h.raised().get(0).value());
    }

    @Test
    void anAnswerInALaterBatchWithinTheWaitCounts() {
        start(Map.of("threshold", 5, "replyWait", "2s"));
        FlowBatch attempts = new FlowBatch();
        FlowBatch answers = new FlowBatch();
        for (int i = 0; i < 10; i++) {
            syn(attempts, bad, v4("10.0.2.1"), 30000 + i, 443);
            tcp(answers, v4("10.0.2.1"), bad, 443, 30000 + i, SYN | ACK, 1, 44);
        }
        d.accept(attempts);
        h.ticker.advance(1_000);
        d.accept(answers);
        h.ticker.advance(5_000);
        assertTrue(h.events.events().isEmpty());
    }

    @Test
    void singleDirectionSynOnlyFlowsAndSampling() {
        start(Map.of("threshold", 100, "replyWait", "1s"));
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 12; i++) {
            // NetFlow from a router sampling 1:10: each record stands for ten attempts
            syn(b, bad, v4("10.0.3.0", i), 40000 + i, 3389).format("netflow_v5").samplingRate(10).packets(10);
        }
        d.accept(b);
        h.ticker.advance(2_000);
        assertEquals(1, h.raised().size());
        assertEquals(120, h.raised().get(0).value());
    }

    @Test
    void aFullWaitingTableCountsAttemptsAtOnce() {
        start(Map.of("threshold", 20, "maxPending", 16, "replyWait", "30s"));
        sessions(40, 0);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "24 attempts found no room to wait and counted at once");
        assertEquals(24, h.raised().get(0).value());
    }

    /** As a live capture reports an unanswered attempt: its SYN, then updates for each retransmission. */
    private void retransmissions(int attempts, int firstPort) {
        for (int i = 0; i < attempts; i++) {
            FlowBatch b = new FlowBatch();
            syn(b, bad, v4("10.0.4.0", i), firstPort + i, 8443).format("pcap");
            d.accept(b);
        }
    }

    @Test
    void retransmittedSynsCountOnce() {
        start(Map.of("threshold", 10, "replyWait", "1s", "cooldown", "0"));
        retransmissions(8, 50000);
        retransmissions(8, 50000); // retransmitted while waiting
        h.ticker.advance(1_500);
        retransmissions(8, 50000); // after they were counted, 1 s, 3 s and 7 s after the first
        h.ticker.advance(2_000);
        retransmissions(8, 50000);
        h.ticker.advance(4_000);
        retransmissions(8, 50000);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty(), "8 attempts, retransmitted 4 times, stay under 10");
        retransmissions(3, 60000); // three new ones
        h.ticker.advance(2_000);
        assertEquals(1, h.raised().size());
        assertEquals(11, h.raised().get(0).value());
    }

    @Test
    void attemptsAlreadyCountedMakeRoomForNewOnes() {
        start(Map.of("threshold", 20, "maxPending", 16, "replyWait", "1s"));
        sessions(16, 0);
        h.ticker.advance(2_000); // 16 counted as unanswered, remembered for their retransmissions
        sessions(16, SYN | ACK, 31000); // new attempts, answered: they find room to wait for it
        h.ticker.advance(2_000);
        assertTrue(h.events.events().isEmpty(), "16 unanswered, the answered ones not counted");
    }

    @Test
    void aThresholdLoweredLiveCountsTheAttemptsAlreadyInTheWindow() {
        Map<String, Object> cfg = new HashMap<>(Map.of("threshold", 50));
        start(cfg);
        sessions(25, 0);
        h.ticker.advance(3_000);
        assertTrue(h.events.events().isEmpty(), "25 attempts stay under 50");
        cfg.put("threshold", 20);
        d.modified(Configs.of(UnansweredDetector.Config.class, cfg));
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
        assertEquals(25, h.raised().get(0).value());
    }
}
