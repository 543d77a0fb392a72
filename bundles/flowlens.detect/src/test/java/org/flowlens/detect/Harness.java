package org.flowlens.detect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.flow.FlowBatch;

/** Wires detectors to a manual ticker, test metrics and a recording Event Admin. */
public final class Harness {
    /** A fixed start time so that bucket edges are the same in every run. */
    public static final long T0 = 1_700_000_000_000L;
    /** A detector stopped on its own (switched off), not with its bundle: it resolves its alerts. */
    public static final int DISABLED = org.osgi.service.component.ComponentConstants.DEACTIVATION_REASON_DISABLED;
    /** A detector stopped with its bundle (updated, restarted): it saves its state when it has a place for it. */
    public static final int BUNDLE_STOPPED = org.osgi.service.component.ComponentConstants.DEACTIVATION_REASON_BUNDLE_STOPPED;

    public final ManualTicker ticker = new ManualTicker(T0);
    public final TestMetrics metrics = new TestMetrics();
    public final RecordingEventAdmin events = new RecordingEventAdmin();

    public <T extends DetectorBase> T wire(T d) {
        d.metrics = metrics;
        d.ticker = ticker;
        d.eventAdmin = events;
        return d;
    }

    /** Advances time in steps, handing the detector one batch per step from the supplier. */
    public void feed(DetectorBase d, long millis, long step, java.util.function.Consumer<FlowBatch> fill) {
        for (long t = 0; t < millis; t += step) {
            FlowBatch b = new FlowBatch();
            fill.accept(b);
            if (!b.isEmpty()) {
                d.accept(b);
            }
            ticker.advance(step);
        }
    }

    public List<Alert> raised() {
        return events.alerts(Alert.State.RAISED);
    }

    public List<Alert> resolved() {
        return events.alerts(Alert.State.RESOLVED);
    }

    /** Prints a measured time to alert and appends it to target/time-to-alert.txt for the report. */
    public static void logTimeToAlert(String what, long millis) {
        String line = String.format("time-to-alert %-58s %6d ms", what, millis);
        System.out.println(line);
        try {
            Path p = Path.of("target", "time-to-alert.txt");
            Files.createDirectories(p.getParent());
            Files.writeString(p, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("could not write target/time-to-alert.txt: " + e);
        }
    }
}
