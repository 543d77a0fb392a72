package org.flowlens.detect;

import static org.flowlens.detect.Flows.syn;
import static org.flowlens.detect.Flows.tcp;
import static org.flowlens.detect.Flows.udp;
import static org.flowlens.detect.Flows.v4;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.detect.engine.TickerComponent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Time to alert on the wall clock with the real ticker at default settings: a feeder thread starts
 * a condition and the test waits for the RAISED event. The times are logged, not asserted.
 */
class RealTimeAlertTest {
    private final TestMetrics metrics = new TestMetrics();
    private final RecordingEventAdmin events = new RecordingEventAdmin();
    private final TickerComponent ticker = new TickerComponent();

    @BeforeEach
    void startTicker() {
        ticker.activate();
    }

    @AfterEach
    void stopTicker() {
        ticker.deactivate();
    }

    private <T extends DetectorBase> T wire(T d) {
        d.metrics = metrics;
        d.ticker = ticker;
        d.eventAdmin = events;
        return d;
    }

    /** Feeds one batch every 50 ms from now until the alert with this key is raised; returns the time it took. */
    private long timeToAlert(DetectorBase d, String key, Consumer<FlowBatch> every50ms) throws InterruptedException {
        CountDownLatch raised = new CountDownLatch(1);
        AtomicLong at = new AtomicLong();
        events.handler(e -> {
            Alert a = AlertEvents.alert(e);
            if (a != null && a.state() == Alert.State.RAISED && a.key().equals(key) && raised.getCount() > 0) {
                at.set(System.nanoTime());
                raised.countDown();
            }
        });
        long begin = System.nanoTime();
        Thread feeder = new Thread(() -> {
            long next = System.nanoTime();
            // bounded: at most 20 s of traffic
            for (int i = 0; i < 400 && raised.getCount() > 0; i++) {
                FlowBatch b = new FlowBatch();
                every50ms.accept(b);
                d.accept(b);
                next += 50_000_000L;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        raised.await(wait, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "feeder");
        feeder.start();
        boolean ok = raised.await(20, TimeUnit.SECONDS);
        feeder.join(5_000);
        assertTrue(ok, "no alert for " + key + " within 20 s");
        return (at.get() - begin) / 1_000_000;
    }

    @Test
    void floodAtTwiceAndFiveTimesThePacketRate() throws InterruptedException {
        FloodDetector d = wire(new FloodDetector());
        d.activate(Configs.defaults(FloodDetector.Config.class));
        try {
            // 200k packets/s: 10k per 50 ms from 20 sources
            long t2 = timeToAlert(d, "10.0.0.10 pps", b -> {
                for (int s = 0; s < 20; s++) {
                    udp(b, v4("198.51.100.0", s), v4("10.0.0.10"), 1024, 80, 500, 50_000);
                }
            });
            Harness.logTimeToAlert("flood 2x packet rate, defaults (wall clock)", t2);
            long t5 = timeToAlert(d, "10.0.0.11 pps", b -> {
                for (int s = 0; s < 20; s++) {
                    udp(b, v4("198.51.100.0", s), v4("10.0.0.11"), 1024, 80, 1250, 125_000);
                }
            });
            Harness.logTimeToAlert("flood 5x packet rate, defaults (wall clock)", t5);
        } finally {
            d.deactivate(Harness.DISABLED);
        }
    }

    @Test
    void portScanAtAThousandPortsASecond() throws InterruptedException {
        PortScanDetector d = wire(new PortScanDetector());
        d.activate(Configs.defaults(PortScanDetector.Config.class));
        int[] port = {1};
        try {
            long t = timeToAlert(d, "10.0.0.66", b -> {
                for (int i = 0; i < 50; i++) {
                    syn(b, v4("10.0.0.66"), v4("10.0.0.5"), 40000, port[0]++);
                }
            });
            // the condition (100 distinct ports) begins after 100 ms of this scan
            Harness.logTimeToAlert("portscan 1000 ports/s, defaults, from the scan's start (wall clock)", t);
        } finally {
            d.deactivate(Harness.DISABLED);
        }
    }

    @Test
    void bandwidthAtTwiceTheThreshold() throws InterruptedException {
        BandwidthDetector d = wire(new BandwidthDetector());
        d.activate(Configs.of(BandwidthDetector.Config.class, Map.of("name", "bandwidth-host")));
        try {
            // 200 Mbit/s: 1.25 MB per 50 ms
            long t = timeToAlert(d, "10.0.0.5", b -> tcp(b, v4("203.0.113.1"), v4("10.0.0.5"), 443, 50000, 0x18, 900, 1_250_000));
            Harness.logTimeToAlert("bandwidth host 2x threshold, defaults (wall clock)", t);
        } finally {
            d.deactivate(Harness.DISABLED);
        }
    }

    @Test
    void unansweredSources() throws InterruptedException {
        UnansweredDetector d = wire(new UnansweredDetector());
        d.activate(Configs.defaults(UnansweredDetector.Config.class));
        int[] n = {0};
        try {
            // 100 attempts a second that get nothing back
            long t = timeToAlert(d, "203.0.113.50", b -> {
                for (int i = 0; i < 5; i++) {
                    syn(b, v4("203.0.113.50"), v4("10.0.1.0", n[0] % 50), 30000 + n[0]++ % 30000, 22);
                }
            });
            Harness.logTimeToAlert("unanswered 100 attempts/s, threshold 20, defaults (wall clock)", t);
        } finally {
            d.deactivate(Harness.DISABLED);
        }
    }
}
