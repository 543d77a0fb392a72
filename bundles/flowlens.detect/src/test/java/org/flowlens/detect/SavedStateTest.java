package org.flowlens.detect;

import static org.flowlens.detect.Flows.syn;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A detector stopped with its bundle goes on in its next instance: windows, waiting attempts and alerts. */
class SavedStateTest {
    private final Harness h = new Harness();
    private final int scanner = v4("10.0.0.66");
    private final int target = v4("10.0.0.5");
    private int nextPort = 1;

    @TempDir
    Path dir;

    private PortScanDetector portScan(Map<String, Object> config) {
        PortScanDetector d = h.wire(new PortScanDetector());
        d.savedState = dir.resolve("portscan.state");
        d.activate(Configs.of(PortScanDetector.Config.class, config));
        return d;
    }

    /** Probes {@code n} new ports of the target, 10 every 100 ms. */
    private void probes(PortScanDetector d, int n) {
        for (int sent = 0; sent < n; sent += 10) {
            FlowBatch b = new FlowBatch();
            for (int i = 0; i < 10; i++) {
                syn(b, scanner, target, 40000, nextPort++);
            }
            d.accept(b);
            h.ticker.advance(100);
        }
    }

    private long discarded(String detector) {
        return h.metrics.value("flowlens_detect_discarded_keys_total", "detector", detector);
    }

    @Test
    void aScanSplitByAnUpdateIsSeenWhole() {
        PortScanDetector first = portScan(Map.of("threshold", 200));
        probes(first, 150);
        assertTrue(h.raised().isEmpty(), "150 ports: under the threshold");
        first.deactivate(Harness.BUNDLE_STOPPED);
        assertTrue(Files.exists(dir.resolve("portscan.state")), "state saved");

        PortScanDetector next = portScan(Map.of("threshold", 200));
        assertFalse(Files.exists(dir.resolve("portscan.state")), "the saved state is used once");
        assertEquals(1, (int) next.keys(), "the scanner's window came back");
        probes(next, 60);
        h.ticker.advance(1_000);
        List<Alert> raised = h.raised();
        assertEquals(1, raised.size(), "150 ports before the update and 60 after are one scan of 210");
        assertTrue(raised.get(0).value() >= 200, "value " + raised.get(0).value());
        assertEquals(0, discarded("portscan"));
        assertEquals(1, h.metrics.value("flowlens_detect_saved_keys_total", "detector", "portscan"));
        assertEquals(1, h.metrics.value("flowlens_detect_restored_keys_total", "detector", "portscan"));
        next.deactivate(Harness.DISABLED);
    }

    @Test
    void anActiveAlertGoesOnWithoutBeingResolvedOrRaisedAgain() {
        PortScanDetector first = portScan(Map.of("threshold", 100));
        probes(first, 150);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
        String id = h.raised().get(0).id();
        first.deactivate(Harness.BUNDLE_STOPPED);
        assertTrue(h.resolved().isEmpty(), "not resolved by the update");

        PortScanDetector next = portScan(Map.of("threshold", 100));
        assertEquals(List.of(id), next.active().stream().map(Alert::id).toList(), "the same alert, still active");
        probes(next, 50);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size(), "not raised again");
        // quiet: it resolves once, as the same alert
        h.ticker.advance(10 * 60_000);
        assertEquals(List.of(id), h.resolved().stream().map(Alert::id).toList());
        next.deactivate(Harness.DISABLED);
    }

    @Test
    void aDetectorStoppedOnItsOwnResolvesItsAlertsAndCountsWhatItDiscards() {
        PortScanDetector d = portScan(Map.of("threshold", 100));
        probes(d, 150);
        h.ticker.advance(1_000);
        assertEquals(1, h.raised().size());
        d.deactivate(Harness.DISABLED);
        assertEquals(1, h.resolved().size());
        assertFalse(Files.exists(dir.resolve("portscan.state")));
        assertEquals(1, discarded("portscan"));
    }

    @Test
    void aNextInstanceSwitchedOffResolvesTheSavedAlertsAndCountsTheKeys() {
        PortScanDetector first = portScan(Map.of("threshold", 100));
        probes(first, 150);
        h.ticker.advance(1_000);
        first.deactivate(Harness.BUNDLE_STOPPED);
        PortScanDetector next = portScan(Map.of("threshold", 100, "enabled", false));
        assertEquals(1, h.resolved().size(), "the saved alert resolves");
        assertTrue(h.resolved().get(0).message().contains("switched off"), h.resolved().get(0).message());
        assertEquals(1, discarded("portscan"));
        assertEquals(0, (int) next.keys());
        next.deactivate(Harness.DISABLED);
    }

    @Test
    void aDamagedStateFileIsRefusedAndTheDetectorStartsAfresh() throws Exception {
        PortScanDetector first = portScan(Map.of("threshold", 100));
        probes(first, 150);
        first.deactivate(Harness.BUNDLE_STOPPED);
        Path file = dir.resolve("portscan.state");
        byte[] saved = Files.readAllBytes(file);
        for (int cut : new int[] {3, saved.length / 2, saved.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(saved, cut));
            PortScanDetector d = portScan(Map.of("threshold", 100));
            assertEquals(0, (int) d.keys(), "truncated at " + cut + " of " + saved.length);
            assertFalse(Files.exists(file));
            d.deactivate(Harness.DISABLED);
        }
        // a file of another detector
        Files.write(file, saved);
        Files.move(file, dir.resolve("unanswered.state"));
        UnansweredDetector other = h.wire(new UnansweredDetector());
        other.savedState = dir.resolve("unanswered.state");
        other.activate(Configs.of(UnansweredDetector.Config.class, Map.of()));
        assertEquals(0, (int) other.keys());
        other.deactivate(Harness.DISABLED);
    }

    @Test
    void attemptsWaitingForAnAnswerAcrossAnUpdateAreCounted() {
        int bad = v4("203.0.113.50");
        UnansweredDetector first = h.wire(new UnansweredDetector());
        first.savedState = dir.resolve("unanswered.state");
        first.activate(Configs.of(UnansweredDetector.Config.class, Map.of("threshold", 20)));
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 25; i++) {
            syn(b, bad, v4("10.0.1.0", i % 10), 30000 + i, 22).format("pcap");
        }
        first.accept(b);
        first.deactivate(Harness.BUNDLE_STOPPED);

        UnansweredDetector next = h.wire(new UnansweredDetector());
        next.savedState = dir.resolve("unanswered.state");
        next.activate(Configs.of(UnansweredDetector.Config.class, Map.of("threshold", 20)));
        h.ticker.advance(3_000);
        assertEquals(1, h.raised().size(), "the 25 attempts sent before the update went unanswered");
        assertEquals(0, discarded("unanswered"));
        next.deactivate(Harness.DISABLED);
    }
}
