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
 * Vertical port scans: one source probing many distinct destination ports within the window. Only
 * records that look like probes count (see {@link Traffic#probe}), so clients' ordinary
 * conversations do not add up. Under 1:N sampling, scans show about 1/N of their ports, so the
 * distinct count is scaled by the highest sampling rate of the source's records in the window.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = PortScanDetector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=detect-portscan", ConfigurationCheck.PID + "=" + PortScanDetector.PID})
@Designate(ocd = PortScanDetector.Config.class)
public class PortScanDetector extends DetectorBase {
    static final String PID = "flowlens.detect.portscan";
    static final String NAME = "portscan";

    @ObjectClassDefinition(name = "Flowlens port scan detector",
            description = "Alerts when one source probes many distinct destination ports (vertical scan) within a "
                    + "sliding window. Changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the detector on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Threshold (distinct ports)", description = "Distinct destination ports one source "
                + "probes within the window that raise an alert (2-65536).")
        int threshold() default 100;

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

        @AttributeDefinition(name = "Quiet period", description = "An alert resolves after its source stayed under the "
                + "threshold this long.")
        String quietPeriod() default "30s";

        @AttributeDefinition(name = "Cool-down", description = "After an alert resolved, the same source raises no new "
                + "alert for this long (0 for none).")
        String cooldown() default "60s";

        @AttributeDefinition(name = "Update interval", description = "How often an ongoing alert is republished with "
                + "fresh values (severity changes are published at once).")
        String updateInterval() default "10s";

        @AttributeDefinition(name = "Evaluation interval", description = "How often the detector compares sources with "
                + "the threshold (100ms-60s).")
        String evaluationInterval() default "1s";

        @AttributeDefinition(name = "Most sources", description = "Sources tracked at once (16-4194304); records of "
                + "further sources are counted as dropped until old ones leave the window.")
        int maxKeys() default 65_536;

        @AttributeDefinition(name = "Most active alerts", description = "Alerts active at once; further crossings are "
                + "counted as suppressed.")
        int maxActiveAlerts() default 1000;
    }

    record Settings(Common common, int threshold, int cap) {}

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
        return new Settings(common, c.threshold(), DistinctCap.of(c.threshold(), c.criticalFactor(), 65_536));
    }

    @Activate
    void activate(Config config) {
        settings = firstSettings("Port scan detector", () -> parse(config), () -> parse(Configs.defaults(Config.class)));
        start(NAME, settings.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Port scan detector", () -> parse(config));
        if (s != null) {
            settings = s;
            reconfigure(s.common());
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /** Per source: its distinct destination ports, and the destinations as top contributors. */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 0, 5, 1, c.windowMillis());
    }

    @Override
    protected void onRecord(FlowRecord r, long now) {
        if (!Traffic.probe(r)) {
            return;
        }
        KeyTable table = table();
        int e = table.entry(r.srcHi(), r.srcLo(), 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        Settings s = settings;
        table.set(e, 0).add(r.dstPort(), 0, second(now), since(now, s.common().windowMillis()), s.cap());
        table.contribute(e, r.dstHi(), r.dstLo(), 0, Traffic.weight(r));
        table.sampled(e, r.samplingRate());
    }

    @Override
    protected boolean examine(int e, Evaluation ev) {
        Settings s = settings;
        KeyTable table = table();
        double value = (double) ev.distinct() * table.scale(e);
        if (value < s.threshold()) {
            return true;
        }
        DistinctWindow ports = table.setIfPresent(e, 0);
        boolean atLeast = ports.saturated();
        int since = ev.since();
        long window = ev.common().windowMillis();
        String source = IpAddresses.format(table.hi(e), table.lo(e));
        ev.raise(source, value, s.threshold(), ev.explain(e, () -> source + " probed " + (atLeast ? "at least " : "")
                + Units.si(value).trim() + " distinct ports in " + Units.duration(window) + " (threshold "
                + s.threshold() + ") on " + Evidence.addresses(table.top(e, 3), 3) + "; ports include "
                + Evidence.portList(ports.sample(since, 12)), 5, null, "probes"));
        return true;
    }
}
