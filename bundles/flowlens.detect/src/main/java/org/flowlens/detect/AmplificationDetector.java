package org.flowlens.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.flowlens.api.alert.Detector;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.pipeline.FlowConsumer;
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

/**
 * Reflection and amplification attacks: UDP answers of DNS (53), NTP (123), memcached (11211),
 * SSDP (1900), CLDAP (389) and any further protocols configured, arriving at one victim from the
 * reflectors' service port, each protocol with a bit-rate threshold of its own. Alerts are keyed
 * {@code <victim> <protocol>}; the evidence lists the top reflectors.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = AmplificationDetector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=detect-amplification", ConfigurationCheck.PID + "=" + AmplificationDetector.PID})
@Designate(ocd = AmplificationDetector.Config.class)
public class AmplificationDetector extends DetectorBase {
    static final String PID = "flowlens.detect.amplification";
    static final String NAME = "amplification";

    private static final int BYTES = 0;
    private static final int PACKETS = 1;

    @ObjectClassDefinition(name = "Flowlens amplification detector",
            description = "Alerts when one destination receives reflected UDP answers (DNS, NTP, memcached, SSDP, "
                    + "CLDAP, ...) above the protocol's bit-rate threshold. Changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the detector on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "DNS threshold", description = "Bits per second of DNS answers (UDP from port 53) "
                + "towards one destination, e.g. 100M; 0 switches DNS off.")
        String dns() default "100M";

        @AttributeDefinition(name = "NTP threshold", description = "Bits per second of NTP answers (UDP from port 123); "
                + "0 switches NTP off.")
        String ntp() default "10M";

        @AttributeDefinition(name = "memcached threshold", description = "Bits per second of memcached answers (UDP "
                + "from port 11211), which have no business on most networks; 0 switches memcached off.")
        String memcached() default "1M";

        @AttributeDefinition(name = "SSDP threshold", description = "Bits per second of SSDP answers (UDP from port "
                + "1900); 0 switches SSDP off.")
        String ssdp() default "10M";

        @AttributeDefinition(name = "CLDAP threshold", description = "Bits per second of CLDAP answers (UDP from port "
                + "389); 0 switches CLDAP off.")
        String cldap() default "10M";

        @AttributeDefinition(name = "Other protocols", description = "Further reflected protocols as name:port:threshold, "
                + "comma separated, e.g. chargen:19:10M, snmp:161:50M, ws-discovery:3702:10M.")
        String[] otherProtocols() default {};

        @AttributeDefinition(name = "Window", description = "Sliding window the rates are averaged over (1s-1d).")
        String window() default "3s";

        @AttributeDefinition(name = "Critical factor", description = "An alert is CRITICAL at threshold x this factor, "
                + "WARNING below; 0 never raises CRITICAL.")
        double criticalFactor() default 4;

        @AttributeDefinition(name = "Allowed networks", description = "Records from or to these networks (CIDR, comma "
                + "separated) are ignored, e.g. your own resolvers.")
        String[] allowCidrs() default {};

        @AttributeDefinition(name = "Allowed ports", description = "Records from or to these ports or ranges (comma "
                + "separated) are ignored.")
        String[] allowPorts() default {};

        @AttributeDefinition(name = "Quiet period", description = "An alert resolves after its victim stayed under the "
                + "threshold this long.")
        String quietPeriod() default "15s";

        @AttributeDefinition(name = "Cool-down", description = "After an alert resolved, the same victim and protocol "
                + "raise no new alert for this long (0 for none).")
        String cooldown() default "60s";

        @AttributeDefinition(name = "Update interval", description = "How often an ongoing alert is republished with "
                + "fresh values (severity changes are published at once).")
        String updateInterval() default "10s";

        @AttributeDefinition(name = "Evaluation interval", description = "How often the detector compares victims with "
                + "the thresholds (100ms-60s).")
        String evaluationInterval() default "1s";

        @AttributeDefinition(name = "Most victims", description = "Destination and protocol pairs tracked at once "
                + "(16-4194304).")
        int maxKeys() default 65_536;

        @AttributeDefinition(name = "Most active alerts", description = "Alerts active at once; further crossings are "
                + "counted as suppressed.")
        int maxActiveAlerts() default 1000;
    }

    /** The protocols watched, as parallel arrays; keys are tagged with the protocol's port. */
    record Settings(Common common, String[] names, int[] ports, double[] thresholds) {}

    private volatile Settings settings;

    @Override
    protected void check(Map<String, Object> properties) {
        parse(Configs.of(Config.class, properties));
    }

    static Settings parse(Config c) {
        Common common = Common.parse(c.enabled(), c.window(), c.criticalFactor(), c.allowCidrs(), c.allowPorts(),
                c.quietPeriod(), c.cooldown(), c.updateInterval(), c.evaluationInterval(), c.maxKeys(),
                c.maxActiveAlerts());
        List<String> names = new ArrayList<>(List.of("dns", "ntp", "memcached", "ssdp", "cldap"));
        List<Integer> ports = new ArrayList<>(List.of(53, 123, 11211, 1900, 389));
        List<Double> thresholds = new ArrayList<>(List.of(Units.amount(c.dns(), "dns"), Units.amount(c.ntp(), "ntp"),
                Units.amount(c.memcached(), "memcached"), Units.amount(c.ssdp(), "ssdp"), Units.amount(c.cldap(), "cldap")));
        for (String entry : Units.split(c.otherProtocols())) {
            String[] parts = entry.split(":");
            if (parts.length != 3 || parts[0].isBlank()) {
                throw new IllegalArgumentException("otherProtocols entries are name:port:threshold, got " + entry);
            }
            int port;
            try {
                port = Integer.parseInt(parts[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a port in otherProtocols entry " + entry);
            }
            if (port < 1 || port > 65535 || ports.contains(port)) {
                throw new IllegalArgumentException("port out of range or watched twice in otherProtocols entry " + entry);
            }
            names.add(parts[0].trim().toLowerCase(Locale.ROOT));
            ports.add(port);
            thresholds.add(Units.amount(parts[2], "threshold of " + parts[0].trim()));
        }
        return new Settings(common, names.toArray(String[]::new), ports.stream().mapToInt(Integer::intValue).toArray(),
                thresholds.stream().mapToDouble(Double::doubleValue).toArray());
    }

    @Activate
    void activate(Config config) {
        settings = firstSettings("Amplification detector", () -> parse(config),
                () -> parse(Configs.defaults(Config.class)));
        start(NAME, settings.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Amplification detector", () -> parse(config));
        if (s != null) {
            settings = s;
            reconfigure(s.common());
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /** Per victim and protocol (tagged with the service port): bytes and packets; reflectors as top contributors. */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 2, 5, 0, c.windowMillis());
    }

    @Override
    protected void onRecord(FlowRecord r, long now) {
        if (r.protocol() != Protocols.UDP) {
            return;
        }
        Settings s = settings;
        int[] ports = s.ports();
        int i = indexOf(ports, r.srcPort());
        if (i < 0 || s.thresholds()[i] <= 0) {
            return;
        }
        KeyTable table = table();
        int e = table.entry(r.dstHi(), r.dstLo(), ports[i], now);
        if (e < 0) {
            tableFull();
            return;
        }
        table.add(e, BYTES, r.bytes(), now);
        table.add(e, PACKETS, r.packets(), now);
        table.contribute(e, r.srcHi(), r.srcLo(), 0, r.bytes());
    }

    /** Drops keys of protocols no longer watched. */
    @Override
    protected boolean examine(int e, Evaluation ev) {
        Settings s = settings;
        KeyTable table = table();
        int i = indexOf(s.ports(), table.tag(e));
        if (i < 0) {
            return false;
        }
        double threshold = s.thresholds()[i];
        double bps = ev.sum(e, BYTES) * 8 / ev.spanSeconds();
        if (threshold <= 0 || bps < threshold) {
            return true;
        }
        long packets = ev.sum(e, PACKETS);
        long avg = packets == 0 ? 0 : ev.sum(e, BYTES) / packets;
        String victim = IpAddresses.format(table.hi(e), table.lo(e));
        String protocol = s.names()[i];
        int port = s.ports()[i];
        long window = ev.common().windowMillis();
        ev.raise(victim + " " + protocol, bps, threshold, ev.explain(e, () -> victim + " receives " + Units.bits(bps)
                + " of " + protocol + " answers (UDP from port " + port + ", " + avg + " bytes a packet on average) over "
                + Units.duration(window) + " (threshold " + Units.bits(threshold) + "); top reflectors "
                + Evidence.addresses(table.top(e, 3), 3), 5, null, "bytes"));
        return true;
    }

    private static int indexOf(int[] ports, int port) {
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == port) {
                return i;
            }
        }
        return -1;
    }
}
