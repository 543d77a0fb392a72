package org.flowlens.detect;

import java.util.Locale;
import java.util.Map;

import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.detect.engine.AddressSet;
import org.flowlens.detect.engine.Common;
import org.flowlens.detect.engine.Evidence;
import org.flowlens.detect.engine.Units;
import org.flowlens.detect.state.KeyTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bandwidth rules: the bit rate over a sliding window per host, per subnet or in total, against a
 * threshold. A factory component: each configuration is one rule with a name of its own, e.g.
 * {@code bandwidth-host}, {@code bandwidth-subnet}, {@code bandwidth-total}. Rates use the records'
 * bytes, already scaled by sampling. A record that lasted longer than the window counts with the
 * share of its bytes that fits the window, so long flows exported at once do not look like spikes.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = BandwidthDetector.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = ConfigurationCheck.PID + "=" + BandwidthDetector.PID)
@Designate(ocd = BandwidthDetector.Config.class, factory = true)
public class BandwidthDetector extends DetectorBase {
    static final String PID = "flowlens.detect.bandwidth";
    private static final Logger LOG = LoggerFactory.getLogger(BandwidthDetector.class);

    @ObjectClassDefinition(name = "Flowlens bandwidth rule",
            description = "Alerts when the bit rate of a host, a subnet or all traffic over a sliding window crosses a "
                    + "threshold. One configuration per rule; changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "The rule's name: the detector name in alerts and counters "
                + "(letters, digits, dot, dash, underscore).")
        String name() default "bandwidth";

        @AttributeDefinition(name = "Enabled", description = "Switches the rule on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Scope", description = "What the rate is measured for.", options = {
            @Option(value = "host", label = "Each host"),
            @Option(value = "subnet", label = "Each subnet (prefix lengths below)"),
            @Option(value = "total", label = "All traffic")})
        String scope() default "host";

        @AttributeDefinition(name = "Direction", description = "For hosts and subnets: the traffic they send, "
                + "receive, or both added up.", options = {
                    @Option(value = "both", label = "Sent and received"),
                    @Option(value = "out", label = "Sent"),
                    @Option(value = "in", label = "Received")})
        String direction() default "both";

        @AttributeDefinition(name = "Threshold", description = "Bits per second over the window, e.g. 100M, 1.5G.")
        String bitsPerSecond() default "100M";

        @AttributeDefinition(name = "Window", description = "Sliding window the rate is averaged over, e.g. 5s, 1m (1s-1d).")
        String window() default "3s";

        @AttributeDefinition(name = "IPv4 prefix length", description = "Subnet size for IPv4 hosts (scope subnet), 0-32.")
        int prefixV4() default 24;

        @AttributeDefinition(name = "IPv6 prefix length", description = "Subnet size for IPv6 hosts (scope subnet), 0-128.")
        int prefixV6() default 64;

        @AttributeDefinition(name = "Networks", description = "Only hosts or subnets inside these networks (CIDR, comma "
                + "separated) are measured, e.g. your own; empty for all.")
        String[] networks() default {};

        @AttributeDefinition(name = "Critical factor", description = "An alert is CRITICAL at threshold x this factor, "
                + "WARNING below; 0 never raises CRITICAL.")
        double criticalFactor() default 2;

        @AttributeDefinition(name = "Allowed networks", description = "Records from or to these networks (CIDR, comma "
                + "separated) are ignored, e.g. backup servers.")
        String[] allowCidrs() default {};

        @AttributeDefinition(name = "Allowed ports", description = "Records from or to these ports or ranges (comma "
                + "separated) are ignored.")
        String[] allowPorts() default {};

        @AttributeDefinition(name = "Quiet period", description = "An alert resolves after the rate stayed under the "
                + "threshold this long.")
        String quietPeriod() default "30s";

        @AttributeDefinition(name = "Cool-down", description = "After an alert resolved, the same key raises no new "
                + "alert for this long (0 for none).")
        String cooldown() default "60s";

        @AttributeDefinition(name = "Update interval", description = "How often an ongoing alert is republished with "
                + "fresh values (severity changes are published at once).")
        String updateInterval() default "10s";

        @AttributeDefinition(name = "Evaluation interval", description = "How often the rule compares rates with the "
                + "threshold (100ms-60s).")
        String evaluationInterval() default "1s";

        @AttributeDefinition(name = "Most keys", description = "Hosts or subnets tracked at once (16-4194304).")
        int maxKeys() default 65_536;

        @AttributeDefinition(name = "Most active alerts", description = "Alerts active at once; further crossings are "
                + "counted as suppressed.")
        int maxActiveAlerts() default 1000;
    }

    enum Scope { HOST, SUBNET, TOTAL }

    record Settings(Common common, String name, Scope scope, boolean in, boolean out, double bps,
            long v4MaskLo, long v6MaskHi, long v6MaskLo, int prefixV4, int prefixV6, AddressSet networks) {}

    private volatile Settings settings;

    @Override
    protected void check(Map<String, Object> properties) {
        parse(Configs.of(Config.class, properties));
    }

    static Settings parse(Config c) {
        Common common = Common.parse(c.enabled(), c.window(), c.criticalFactor(), c.allowCidrs(), c.allowPorts(),
                c.quietPeriod(), c.cooldown(), c.updateInterval(), c.evaluationInterval(), c.maxKeys(),
                c.maxActiveAlerts());
        String name = c.name() == null ? "" : c.name().trim();
        if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(ch -> Character.isLetterOrDigit(ch)
                || ch == '.' || ch == '-' || ch == '_')) {
            throw new IllegalArgumentException("name must be 1-64 letters, digits, dots, dashes or underscores: " + c.name());
        }
        Scope scope;
        try {
            scope = Scope.valueOf(c.scope().trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("scope must be host, subnet or total: " + c.scope());
        }
        String d = c.direction() == null ? "" : c.direction().trim().toLowerCase(Locale.ROOT);
        if (!d.equals("both") && !d.equals("in") && !d.equals("out")) {
            throw new IllegalArgumentException("direction must be both, in or out: " + c.direction());
        }
        if (c.prefixV4() < 0 || c.prefixV4() > 32) {
            throw new IllegalArgumentException("prefixV4 must be 0..32: " + c.prefixV4());
        }
        if (c.prefixV6() < 0 || c.prefixV6() > 128) {
            throw new IllegalArgumentException("prefixV6 must be 0..128: " + c.prefixV6());
        }
        double bps = Units.amount(c.bitsPerSecond(), "bitsPerSecond");
        if (bps <= 0) {
            throw new IllegalArgumentException("bitsPerSecond must be positive: " + c.bitsPerSecond());
        }
        long[] m4 = AddressSet.mask(96 + c.prefixV4());
        long[] m6 = AddressSet.mask(c.prefixV6());
        return new Settings(common, name, scope, !d.equals("out"), !d.equals("in"), bps, m4[1], m6[0], m6[1],
                c.prefixV4(), c.prefixV6(), AddressSet.parse(c.networks()));
    }

    @Activate
    void activate(Config config) {
        Settings s;
        try {
            s = parse(config);
        } catch (IllegalArgumentException e) {
            // a factory rule has no sensible default: it stays off until its configuration is fixed
            LOG.error("Bandwidth rule {} refused, it stays off until fixed: {}", config.name(), e.getMessage());
            Settings fallback = parse(Configs.of(Config.class, Map.of("enabled", false)));
            String name = config.name() != null && config.name().trim().matches("[A-Za-z0-9._-]{1,64}")
                    ? config.name().trim() : "bandwidth-invalid";
            s = new Settings(fallback.common(), name, fallback.scope(), fallback.in(), fallback.out(), fallback.bps(),
                    fallback.v4MaskLo(), fallback.v6MaskHi(), fallback.v6MaskLo(), fallback.prefixV4(),
                    fallback.prefixV6(), fallback.networks());
        }
        settings = s;
        start(s.name(), s.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Bandwidth rule " + name(), () -> parse(config));
        if (s == null) {
            return;
        }
        Settings prev = settings;
        if (!s.name().equals(prev.name())) {
            LOG.error("Bandwidth rule {}: the name cannot change live (got {}); create a new rule instead", prev.name(),
                    s.name());
            return;
        }
        boolean rekey = s.scope() != prev.scope() || s.in() != prev.in() || s.out() != prev.out()
                || s.prefixV4() != prev.prefixV4() || s.prefixV6() != prev.prefixV6()
                || !s.networks().entries().equals(prev.networks().entries());
        settings = s;
        reconfigure(s.common());
        if (rekey) {
            synchronized (this) {
                // keys mean something else now: measure afresh
                KeyTable table = table();
                if (table != null) {
                    table.clear();
                }
            }
            LOG.info("Bandwidth rule {} now measures {} traffic per {}; its window starts afresh", s.name(),
                    s.in() && s.out() ? "all" : s.in() ? "received" : "sent", s.scope().name().toLowerCase(Locale.ROOT));
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /** Per host, subnet or the total: bytes; peers or hosts as top contributors. */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 1, 8, 0, c.windowMillis());
    }

    @Override
    protected void onRecord(FlowRecord r, long now) {
        Settings s = settings;
        long bytes = r.bytes();
        long duration = r.endMillis() - r.startMillis();
        long window = s.common().windowMillis();
        if (duration > window && r.startMillis() > 0) {
            bytes = (long) (bytes * ((double) window / duration));
        }
        if (bytes <= 0) {
            return;
        }
        KeyTable table = table();
        switch (s.scope()) {
            case TOTAL -> {
                int e = table.entry(0, 0, 0, now);
                table.add(e, 0, bytes, now);
                table.contribute(e, r.srcHi(), r.srcLo(), 0, bytes);
                table.contribute(e, r.dstHi(), r.dstLo(), 0, bytes);
            }
            case HOST -> {
                if (s.out()) {
                    count(s, r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(), bytes, now);
                }
                if (s.in() && !(s.out() && r.srcHi() == r.dstHi() && r.srcLo() == r.dstLo())) {
                    count(s, r.dstHi(), r.dstLo(), r.srcHi(), r.srcLo(), bytes, now);
                }
            }
            case SUBNET -> {
                long sHi = maskHi(s, r.srcHi(), r.srcLo()), sLo = maskLo(s, r.srcHi(), r.srcLo());
                long dHi = maskHi(s, r.dstHi(), r.dstLo()), dLo = maskLo(s, r.dstHi(), r.dstLo());
                if (s.out()) {
                    countSubnet(s, sHi, sLo, r.srcHi(), r.srcLo(), bytes, now);
                }
                if (s.in() && !(s.out() && sHi == dHi && sLo == dLo)) {
                    countSubnet(s, dHi, dLo, r.dstHi(), r.dstLo(), bytes, now);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    private void count(Settings s, long hi, long lo, long peerHi, long peerLo, long bytes, long now) {
        if (!s.networks().isEmpty() && !s.networks().contains(hi, lo)) {
            return;
        }
        KeyTable table = table();
        int e = table.entry(hi, lo, 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        table.add(e, 0, bytes, now);
        table.contribute(e, peerHi, peerLo, 0, bytes);
    }

    private void countSubnet(Settings s, long netHi, long netLo, long hostHi, long hostLo, long bytes, long now) {
        if (!s.networks().isEmpty() && !s.networks().contains(hostHi, hostLo)) {
            return;
        }
        KeyTable table = table();
        int e = table.entry(netHi, netLo, 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        table.add(e, 0, bytes, now);
        table.contribute(e, hostHi, hostLo, 0, bytes);
    }

    private static long maskHi(Settings s, long hi, long lo) {
        return IpAddresses.isV4(hi, lo) ? 0 : hi & s.v6MaskHi();
    }

    private static long maskLo(Settings s, long hi, long lo) {
        return IpAddresses.isV4(hi, lo) ? lo & s.v4MaskLo() : lo & s.v6MaskLo();
    }

    @Override
    protected boolean examine(int e, Evaluation ev) {
        Settings s = settings;
        KeyTable table = table();
        double bps = ev.sum(e, 0) * 8 / ev.spanSeconds();
        if (bps < s.bps()) {
            return true;
        }
        String key = key(s, table.hi(e), table.lo(e));
        String what = switch (s.scope()) {
            case TOTAL -> "All traffic";
            case HOST, SUBNET -> key + (s.in() && s.out() ? " sent and received" : s.in() ? " received" : " sent");
        };
        String contributors = s.scope() == Scope.HOST ? "top peers " : "top hosts ";
        long window = ev.common().windowMillis();
        ev.raise(key, bps, s.bps(), ev.explain(e, () -> what + " " + Units.bits(bps) + " over " + Units.duration(window)
                + " (threshold " + Units.bits(s.bps()) + "); " + contributors + Evidence.addresses(table.top(e, 3), 3),
                s.scope() == Scope.TOTAL ? 8 : 5, null, "bytes"));
        return true;
    }

    private static String key(Settings s, long hi, long lo) {
        return switch (s.scope()) {
            case TOTAL -> "total";
            case HOST -> IpAddresses.format(hi, lo);
            case SUBNET -> IpAddresses.format(hi, lo) + "/" + (IpAddresses.isV4(hi, lo) ? s.prefixV4() : s.prefixV6());
        };
    }
}
