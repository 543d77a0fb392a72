package org.flowlens.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;

import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.Evidence;
import org.flowlens.detect.engine.Traffic;
import org.flowlens.detect.engine.Units;
import org.flowlens.detect.state.DistinctWindow;
import org.flowlens.detect.state.KeyTable;
import org.flowlens.detect.state.PendingAttempts;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Unanswered sources ("bad IPs"): sources whose TCP connection attempts keep getting no answer.
 *
 * <p>An attempt is a TCP record from the initiator with SYN and without ACK: its handshake never
 * completed. It waits up to the reply wait for a record of the reverse direction. The packet
 * meter reports both directions of a session together (at its update interval, 500 ms after the
 * first packet by default), so with capture an answer that came within that time (SYN+ACK or RST)
 * arrives in the same batch; a later one comes with the next report, within the reply wait; a
 * retransmitted SYN reported on its own counts as another attempt. Flow exporters report each direction on its own, and a
 * single-direction SYN-only record with no reverse record within the wait counts as unanswered.
 * Attempts answered with a reset count as refused; they add to the measure only when "count
 * refused" is on. Under 1:N sampling each sampled attempt counts N times.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = UnansweredDetector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=detect-unanswered", ConfigurationCheck.PID + "=" + UnansweredDetector.PID})
@Designate(ocd = UnansweredDetector.Config.class)
public class UnansweredDetector extends DetectorBase {
    static final String PID = "flowlens.detect.unanswered";
    static final String NAME = "unanswered";

    private static final int UNANSWERED = 0;
    private static final int REFUSED = 1;

    @ObjectClassDefinition(name = "Flowlens unanswered sources detector",
            description = "Alerts on sources whose TCP connection attempts (SYN without ACK) repeatedly get no answer "
                    + "within a sliding window: the \"bad IPs\". Changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the detector on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Threshold (attempts)", description = "Unanswered attempts of one source within the "
                + "window that raise an alert (1-100000000).")
        int threshold() default 20;

        @AttributeDefinition(name = "Window", description = "Sliding window, e.g. 60s, 5m (1s-1d).")
        String window() default "60s";

        @AttributeDefinition(name = "Reply wait", description = "How long an attempt waits for a record of the reverse "
                + "direction before it counts as unanswered (0-60s). Capture reports both directions at once; raise it "
                + "for exporters that send the directions apart.")
        String replyWait() default "1s";

        @AttributeDefinition(name = "Count refused", description = "Count attempts answered with a reset (closed port) "
                + "as well as those that got nothing back.")
        boolean countRefused() default false;

        @AttributeDefinition(name = "Critical factor", description = "An alert is CRITICAL at threshold x this factor, "
                + "WARNING below; 0 never raises CRITICAL.")
        double criticalFactor() default 10;

        @AttributeDefinition(name = "Allowed networks", description = "Records from or to these networks (CIDR, comma "
                + "separated) are ignored.")
        String[] allowCidrs() default {};

        @AttributeDefinition(name = "Allowed ports", description = "Records from or to these ports or ranges (comma "
                + "separated) are ignored.")
        String[] allowPorts() default {};

        @AttributeDefinition(name = "Quiet period", description = "An alert resolves after its source stayed under the "
                + "threshold this long.")
        String quietPeriod() default "60s";

        @AttributeDefinition(name = "Cool-down", description = "After an alert resolved, the same source raises no new "
                + "alert for this long (0 for none).")
        String cooldown() default "5m";

        @AttributeDefinition(name = "Update interval", description = "How often an ongoing alert is republished with "
                + "fresh values (severity changes are published at once).")
        String updateInterval() default "30s";

        @AttributeDefinition(name = "Evaluation interval", description = "How often the detector settles waiting "
                + "attempts and compares sources with the threshold (100ms-60s).")
        String evaluationInterval() default "1s";

        @AttributeDefinition(name = "Most sources", description = "Sources tracked at once (16-4194304).")
        int maxKeys() default 65_536;

        @AttributeDefinition(name = "Most waiting attempts", description = "Attempts waiting for an answer at once "
                + "(16-4194304); past it, new attempts count as unanswered at once.")
        int maxPending() default 65_536;

        @AttributeDefinition(name = "Most active alerts", description = "Alerts active at once; further crossings are "
                + "counted as suppressed.")
        int maxActiveAlerts() default 1000;
    }

    record Settings(Common common, int threshold, long replyWaitMillis, boolean countRefused, int maxPending,
            int targetCap) {}

    private volatile Settings settings;
    private PendingAttempts pending;

    @Override
    protected void check(Map<String, Object> properties) {
        parse(Configs.of(Config.class, properties));
    }

    static Settings parse(Config c) {
        Common common = Common.parse(c.enabled(), c.window(), c.criticalFactor(), c.allowCidrs(), c.allowPorts(),
                c.quietPeriod(), c.cooldown(), c.updateInterval(), c.evaluationInterval(), c.maxKeys(),
                c.maxActiveAlerts());
        if (c.threshold() < 1 || c.threshold() > 100_000_000) {
            throw new IllegalArgumentException("threshold must be 1..100000000: " + c.threshold());
        }
        String wait = c.replyWait() == null ? "" : c.replyWait().trim();
        long replyWait = wait.equals("0") || wait.equals("0s") ? 0 : Units.millis(wait, "replyWait");
        if (replyWait > 60_000) {
            throw new IllegalArgumentException("replyWait must be 0..60s: " + c.replyWait());
        }
        if (c.maxPending() < 16 || c.maxPending() > 4_194_304) {
            throw new IllegalArgumentException("maxPending must be 16..4194304: " + c.maxPending());
        }
        return new Settings(common, c.threshold(), replyWait, c.countRefused(), c.maxPending(), 1024);
    }

    @Activate
    void activate(Config config) {
        settings = firstSettings("Unanswered sources detector", () -> parse(config),
                () -> parse(Configs.defaults(Config.class)));
        start(NAME, settings.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Unanswered sources detector", () -> parse(config));
        if (s != null) {
            settings = s;
            reconfigure(s.common());
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /**
     * Per source: unanswered and refused attempts, its distinct targets (address and port), the
     * targets as top contributors.
     */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 2, 5, 1, c.windowMillis());
    }

    @Override
    protected void createState(Common c, long now) {
        super.createState(c, now);
        pending = new PendingAttempts(settings.maxPending());
    }

    @Override
    protected void updateState(Common prev, Common next, long now) {
        super.updateState(prev, next, now);
        if (pending.max() != settings.maxPending()) {
            // attempts waiting now settle as unanswered rather than being forgotten
            settle(now, Long.MAX_VALUE);
            pending = new PendingAttempts(settings.maxPending());
        }
    }

    @Override
    protected void saveExtra(DataOutput out) throws IOException {
        pending.write(out);
    }

    @Override
    protected void restoreExtra(DataInput in, int limit, long now) throws IOException {
        discarded(pending.read(in, limit));
    }

    @Override
    protected void dropState() {
        super.dropState();
        pending = null;
    }

    /**
     * How long an attempt counted as unanswered is remembered after its last SYN, so that its
     * retransmissions count once. TCP stacks double the pause between retries of an unanswered SYN;
     * the longest pause of a Linux stack is 32 s (retries 1, 3, 7, 15, 31 and 63 s after the first).
     */
    static final long RETRANSMISSIONS_MILLIS = 70_000;

    /** Attempts first, then answers: an answer earlier in the batch than its attempt still matches. */
    @Override
    protected int onBatch(FlowBatch batch, long now) {
        int skipped = 0;
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            FlowRecord r = batch.get(i);
            if (r.protocol() != Protocols.TCP) {
                continue;
            }
            if (allowListed(r)) {
                skipped++;
                continue;
            }
            if (Traffic.synOnly(r)) {
                onRecord(r, now);
            }
        }
        for (int i = 0; i < n; i++) {
            FlowRecord r = batch.get(i);
            if (r.protocol() != Protocols.TCP || (r.tcpFlags() & (Traffic.ACK | Traffic.RST)) == 0 || allowListed(r)) {
                continue;
            }
            int p = pending.answeredBy(r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(), r.dstLo(), r.dstPort());
            if (p < 0) {
                continue;
            }
            if (pending.settled(p)) {
                pending.remove(p); // answered after all, too late: it stays counted as unanswered
                continue;
            }
            boolean refused = (r.tcpFlags() & (Traffic.RST | Traffic.SYN)) == Traffic.RST;
            if (refused) {
                credit(p, REFUSED, now);
            }
            pending.remove(p);
        }
        return skipped;
    }

    /** An attempt (SYN without ACK). */
    @Override
    protected void onRecord(FlowRecord r, long now) {
        long w = Traffic.weight(r);
        if (!pending.add(r.srcHi(), r.srcLo(), r.srcPort(), r.dstHi(), r.dstLo(), r.dstPort(), w, now)) {
            // no room to wait for its answer: it counts as unanswered now
            creditNow(r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(), r.dstPort(), w, UNANSWERED, now);
        }
    }

    private void credit(int p, int metric, long now) {
        creditNow(pending.srcHi(p), pending.srcLo(p), pending.dstHi(p), pending.dstLo(p), pending.dstPort(p),
                pending.weight(p), metric, now);
    }

    private void creditNow(long sHi, long sLo, long dHi, long dLo, int dPort, long w, int metric, long now) {
        KeyTable table = table();
        int e = table.entry(sHi, sLo, 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        table.add(e, metric, w, now);
        Settings s = settings;
        if (metric == UNANSWERED || s.countRefused()) {
            table.set(e, 0).add(dHi, dLo ^ ((long) dPort << 48), second(now), since(now, s.common().windowMillis()),
                    s.targetCap());
            table.contribute(e, dHi, dLo, dPort, w);
        }
    }

    /**
     * Attempts that waited since before {@code cutoff} count as unanswered; settled attempts not
     * retransmitted for {@link #RETRANSMISSIONS_MILLIS} are forgotten.
     */
    private void settle(long now, long cutoff) {
        pending.forget(now - RETRANSMISSIONS_MILLIS);
        for (int p = 0; p < pending.capacity(); p++) {
            if (pending.used(p) && !pending.settled(p) && pending.time(p) <= cutoff) {
                credit(p, UNANSWERED, now);
                pending.settle(p, now);
            }
        }
    }

    /** Attempts that waited longer than the reply wait count as unanswered. */
    @Override
    protected void beforeEvaluation(long now) {
        settle(now, now - settings.replyWaitMillis());
    }

    @Override
    protected boolean examine(int e, Evaluation ev) {
        Settings s = settings;
        KeyTable table = table();
        long unanswered = ev.sum(e, UNANSWERED);
        long refused = ev.sum(e, REFUSED);
        double value = s.countRefused() ? unanswered + refused : unanswered;
        if (value < s.threshold()) {
            return true;
        }
        DistinctWindow targets = table.setIfPresent(e, 0);
        int distinct = ev.distinct(targets);
        long window = ev.common().windowMillis();
        String source = IpAddresses.format(table.hi(e), table.lo(e));
        ev.raise(source, value, s.threshold(), ev.explain(e, () -> source + " made " + unanswered
                + " connection attempts that got no answer" + (refused > 0 ? " and " + refused + " that were refused" : "")
                + " in " + Units.duration(window) + " (threshold " + s.threshold() + ", "
                + (s.countRefused() ? "refused included" : "refused not counted") + "), to "
                + (targets != null && targets.saturated() ? "at least " : "") + distinct
                + " distinct address and port pairs, most to " + Evidence.endpoints(table.top(e, 3), 3),
                5, "port", "attempts"));
        return true;
    }

    @Override
    protected double footprintBytes() {
        PendingAttempts p = pending;
        return super.footprintBytes() + (p == null ? 0 : p.footprintBytes());
    }
}
