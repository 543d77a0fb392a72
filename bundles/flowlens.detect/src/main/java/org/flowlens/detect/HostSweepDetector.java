package org.flowlens.detect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.Evidence;
import org.flowlens.detect.engine.Explanation;
import org.flowlens.detect.engine.Traffic;
import org.flowlens.detect.engine.Units;
import org.flowlens.detect.state.Contributors;
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
 * Horizontal scans (host sweeps): one source probing many distinct destination hosts within the
 * window, on TCP, UDP or SCTP ports or with ICMP echo and timestamp requests (ping sweeps). Only
 * records that look like probes count (see {@link Traffic#probe}). Under 1:N sampling the distinct
 * count is scaled by the highest sampling rate of the source's records in the window.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = HostSweepDetector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=detect-hostsweep", ConfigurationCheck.PID + "=" + HostSweepDetector.PID})
@Designate(ocd = HostSweepDetector.Config.class)
public class HostSweepDetector extends DetectorBase {
    static final String PID = "flowlens.detect.hostsweep";
    static final String NAME = "hostsweep";

    @ObjectClassDefinition(name = "Flowlens host sweep detector",
            description = "Alerts when one source probes many distinct destination hosts (horizontal scan, ping "
                    + "sweep) within a sliding window. Changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the detector on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Threshold (distinct hosts)", description = "Distinct destination hosts one source "
                + "probes within the window that raise an alert (2-1000000).")
        int threshold() default 50;

        @AttributeDefinition(name = "Window", description = "Sliding window, e.g. 30s, 60s, 5m (1s-1d).")
        String window() default "60s";

        @AttributeDefinition(name = "Critical factor", description = "An alert is CRITICAL at threshold x this factor, "
                + "WARNING below; 0 never raises CRITICAL.")
        double criticalFactor() default 5;

        @AttributeDefinition(name = "Allowed networks", description = "Records from or to these networks (CIDR, comma "
                + "separated) are ignored, e.g. the vulnerability scanner's address.")
        String[] allowCidrs() default {};

        @AttributeDefinition(name = "Allowed ports", description = "Records from or to these ports or ranges (comma "
                + "separated, e.g. 53,8000-8100) are ignored. The defaults leave out DNS, NTP, mDNS and SSDP, whose "
                + "clients and resolvers talk to many hosts with single packets.")
        String[] allowPorts() default {"53", "123", "1900", "5353"};

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
        if (c.threshold() < 2 || c.threshold() > 1_000_000) {
            throw new IllegalArgumentException("threshold must be 2..1000000: " + c.threshold());
        }
        return new Settings(common, c.threshold(), DistinctCap.of(c.threshold(), c.criticalFactor(), 1_000_000));
    }

    @Activate
    void activate(Config config) {
        settings = firstSettings("Host sweep detector", () -> parse(config), () -> parse(Configs.defaults(Config.class)));
        start(NAME, settings.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Host sweep detector", () -> parse(config));
        if (s != null) {
            settings = s;
            reconfigure(s.common());
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /** Per source: its distinct destination hosts, and the services probed as top contributors. */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 0, 5, 1, c.windowMillis());
    }

    @Override
    protected void onRecord(FlowRecord r, long now) {
        if (!Traffic.probe(r) && !Traffic.icmpRequest(r)) {
            return;
        }
        KeyTable table = table();
        int e = table.entry(r.srcHi(), r.srcLo(), 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        Settings s = settings;
        table.set(e, 0).add(r.dstHi(), r.dstLo(), second(now), since(now, s.common().windowMillis()), s.cap());
        boolean ports = Traffic.hasPorts(r.protocol());
        table.contribute(e, 0, 0, r.protocol() << 16 | (ports ? r.dstPort() : 0), Traffic.weight(r));
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
        DistinctWindow hosts = table.setIfPresent(e, 0);
        boolean atLeast = hosts.saturated();
        int since = ev.since();
        long window = ev.common().windowMillis();
        String source = IpAddresses.format(table.hi(e), table.lo(e));
        ev.raise(source, value, s.threshold(), new Explanation() {
            @Override
            public String message() {
                return source + " probed " + (atLeast ? "at least " : "") + Units.si(value).trim()
                        + " distinct hosts in " + Units.duration(window) + " (threshold " + s.threshold()
                        + ") on " + services(table.top(e, 3)) + "; hosts include "
                        + Evidence.addressList(hosts.sample(since, 8));
            }

            @Override
            public List<Map<String, Object>> evidence() {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Contributors.Top t : table.top(e, 5)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("service", service(t.aux()));
                    m.put("probes", t.weight());
                    out.add(m);
                }
                return out;
            }
        });
        return true;
    }

    /** {@code tcp/22}, {@code icmp} from a contributor's protocol and port. */
    static String service(int aux) {
        int proto = aux >>> 16;
        return Traffic.hasPorts(proto) ? Evidence.protocol(proto) + "/" + (aux & 0xFFFF) : Evidence.protocol(proto);
    }

    private static String services(List<Contributors.Top> top) {
        StringBuilder sb = new StringBuilder();
        for (Contributors.Top t : top) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(service(t.aux()));
        }
        return sb.toString();
    }
}
