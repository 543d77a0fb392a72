package org.flowlens.detect;

import java.util.Map;

import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.Evidence;
import org.flowlens.detect.engine.Traffic;
import org.flowlens.detect.engine.Units;
import org.flowlens.detect.state.DistinctWindow;
import org.flowlens.detect.state.KeyTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Distributed scans: many sources probing many distinct ports of one destination within the window,
 * each source perhaps too little to be seen alone. Only records that look like probes count (see
 * {@link Traffic#probe}). Under 1:N sampling both distinct counts are scaled by the highest sampling
 * rate of the destination's records in the window.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = DistributedScanDetector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=detect-distributedscan", ConfigurationCheck.PID + "=" + DistributedScanDetector.PID})
@Designate(ocd = DistributedScanDetector.Config.class)
public class DistributedScanDetector extends DetectorBase {
    static final String PID = "flowlens.detect.distributedscan";
    static final String NAME = "distributedscan";

    @ObjectClassDefinition(name = "Flowlens distributed scan detector",
            description = "Alerts when many sources together probe many distinct ports of one destination within "
                    + "a sliding window. Changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the detector on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Threshold (distinct ports)", description = "Distinct ports of one destination "
                + "probed within the window that raise an alert, when enough sources took part (2-65536).")
        int threshold() default 100;

        @AttributeDefinition(name = "Minimum sources", description = "Distinct sources that must have probed the "
                + "destination within the window (2-1000000).")
        int minSources() default 10;

        @AttributeDefinition(name = "Window", description = "Sliding window, e.g. 30s, 60s, 5m (1s-1d).")
        String window() default "60s";

        @AttributeDefinition(name = "Critical factor", description = "An alert is CRITICAL at threshold x this factor, "
                + "WARNING below; 0 never raises CRITICAL.")
        double criticalFactor() default 5;

        @AttributeDefinition(name = "Allowed networks", description = "Records from or to these networks (CIDR, comma "
                + "separated) are ignored, e.g. the vulnerability scanner's address.")
        String[] allowCidrs() default {};

        @AttributeDefinition(name = "Allowed ports", description = "Records from or to these ports or ranges (comma "
                + "separated, e.g. 53,8000-8100) are ignored.")
        String[] allowPorts() default {};

        @AttributeDefinition(name = "Quiet period", description = "An alert resolves after its destination stayed under the "
                + "threshold this long.")
        String quietPeriod() default "30s";

        @AttributeDefinition(name = "Cool-down", description = "After an alert resolved, the same destination raises no new "
                + "alert for this long (0 for none).")
        String cooldown() default "60s";

        @AttributeDefinition(name = "Update interval", description = "How often an ongoing alert is republished with "
                + "fresh values (severity changes are published at once).")
        String updateInterval() default "10s";

        @AttributeDefinition(name = "Evaluation interval", description = "How often the detector compares destinations with "
                + "the threshold (100ms-60s).")
        String evaluationInterval() default "1s";

        @AttributeDefinition(name = "Most destinations", description = "Destinations tracked at once (16-4194304); records of "
                + "further destinations are counted as dropped until old ones leave the window.")
        int maxKeys() default 65_536;

        @AttributeDefinition(name = "Most active alerts", description = "Alerts active at once; further crossings are "
                + "counted as suppressed.")
        int maxActiveAlerts() default 1000;
    }

    record Settings(Common common, int threshold, int cap, int minSources, int sourceCap) {}

    private volatile Settings settings;

    @Override
    protected void check(Map<String, Object> properties) {
        parse(Configs.of(Config.class, properties));
    }

    static Settings parse(Config c) {
        Common common = Common.parse(c.enabled(), c.window(), c.criticalFactor(), c.allowCidrs(), c.allowPorts(),
                c.quietPeriod(), c.cooldown(), c.updateInterval(), c.evaluationInterval(), c.maxKeys(),
                c.maxActiveAlerts());
        if (c.threshold() < 2 || c.threshold() > 65_536) {
            throw new IllegalArgumentException("threshold must be 2..65536: " + c.threshold());
        }
        if (c.minSources() < 2 || c.minSources() > 1_000_000) {
            throw new IllegalArgumentException("minSources must be 2..1000000: " + c.minSources());
        }
        return new Settings(common, c.threshold(), DistinctCap.of(c.threshold(), c.criticalFactor(), 65_536),
                c.minSources(), DistinctCap.of(c.minSources(), c.criticalFactor(), 1_000_000));
    }

    @Activate
    void activate(Config config) {
        settings = firstSettings("Distributed scan detector", () -> parse(config),
                () -> parse(Configs.defaults(Config.class)));
        start(NAME, settings.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Distributed scan detector", () -> parse(config));
        if (s != null) {
            settings = s;
            reconfigure(s.common());
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /** Per destination: its distinct probed ports and distinct sources, and the sources as top contributors. */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 0, 5, 2, c.windowMillis());
    }

    @Override
    protected void onRecord(FlowRecord r, long now) {
        if (!Traffic.probe(r)) {
            return;
        }
        KeyTable table = table();
        int e = table.entry(r.dstHi(), r.dstLo(), 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        Settings s = settings;
        int sec = second(now);
        int since = since(now, s.common().windowMillis());
        table.set(e, 0).add(r.dstPort(), 0, sec, since, s.cap());
        table.set(e, 1).add(r.srcHi(), r.srcLo(), sec, since, s.sourceCap());
        table.contribute(e, r.srcHi(), r.srcLo(), 0, Traffic.weight(r));
        table.sampled(e, r.samplingRate());
    }

    @Override
    protected boolean examine(int e, Evaluation ev) {
        Settings s = settings;
        KeyTable table = table();
        DistinctWindow ports = table.setIfPresent(e, 0);
        DistinctWindow sources = table.set(e, 1);
        int m = ev.distinct(sources);
        double value = (double) ev.distinct() * table.scale(e);
        double senders = (double) m * table.scale(e);
        if (value < s.threshold() || senders < s.minSources()) {
            return true;
        }
        boolean atLeast = ports.saturated();
        int since = ev.since();
        long window = ev.common().windowMillis();
        String target = IpAddresses.format(table.hi(e), table.lo(e));
        ev.raise(target, value, s.threshold(), ev.explain(e, () -> (atLeast ? "At least " : "") + Units.si(value).trim()
                + " distinct ports of " + target + " were probed by " + (sources.saturated() ? "at least " : "")
                + Units.si(senders).trim() + " sources in " + Units.duration(window) + " (thresholds " + s.threshold()
                + " ports, " + s.minSources() + " sources), most by " + Evidence.addresses(table.top(e, 3), 3)
                + "; ports include " + Evidence.portList(ports.sample(since, 12)), 5, null, "probes"));
        return true;
    }
}
