package org.flowlens.detect;

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
import org.flowlens.detect.engine.Traffic;
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
 * Floods on one destination: packets per second, bits per second, and SYN floods (TCP packets of
 * handshakes that never completed, as a rate and as a share of all TCP packets to the destination).
 * Each condition is an alert of its own, keyed {@code <address> pps}, {@code <address> bps} or
 * {@code <address> syn}. Rates use the records' bytes and packets, already scaled by sampling.
 */
@Component(service = {Detector.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = FloodDetector.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowConsumer.NAME + "=detect-flood", ConfigurationCheck.PID + "=" + FloodDetector.PID})
@Designate(ocd = FloodDetector.Config.class)
public class FloodDetector extends DetectorBase {
    static final String PID = "flowlens.detect.flood";
    static final String NAME = "flood";

    private static final int BYTES = 0;
    private static final int PACKETS = 1;
    private static final int SYN = 2;
    private static final int TCP = 3;

    @ObjectClassDefinition(name = "Flowlens flood detector",
            description = "Alerts on floods towards one destination: packet rate, bit rate, and SYN floods (SYN "
                    + "without ACK as a rate and a share of the TCP packets). Changes apply live without losing the window.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Switches the detector on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "Packet rate threshold", description = "Packets per second towards one destination, "
                + "e.g. 100k; 0 switches this check off.")
        String packetsPerSecond() default "100k";

        @AttributeDefinition(name = "Bit rate threshold", description = "Bits per second towards one destination, "
                + "e.g. 1G, 800M; 0 switches this check off.")
        String bitsPerSecond() default "1G";

        @AttributeDefinition(name = "SYN rate threshold", description = "Packets per second of TCP handshakes that never "
                + "completed (SYN without ACK) towards one destination, e.g. 5k; 0 switches the SYN check off.")
        String synPerSecond() default "5k";

        @AttributeDefinition(name = "SYN share", description = "The SYN check also needs this share of the TCP packets "
                + "towards the destination to be SYN without ACK (0-1).")
        double synRatio() default 0.5;

        @AttributeDefinition(name = "Window", description = "Sliding window the rates are averaged over, e.g. 5s, 10s (1s-1d).")
        String window() default "3s";

        @AttributeDefinition(name = "Critical factor", description = "An alert is CRITICAL at threshold x this factor, "
                + "WARNING below; 0 never raises CRITICAL.")
        double criticalFactor() default 4;

        @AttributeDefinition(name = "Allowed networks", description = "Records from or to these networks (CIDR, comma "
                + "separated) are ignored.")
        String[] allowCidrs() default {};

        @AttributeDefinition(name = "Allowed ports", description = "Records from or to these ports or ranges (comma "
                + "separated) are ignored.")
        String[] allowPorts() default {};

        @AttributeDefinition(name = "Quiet period", description = "An alert resolves after its destination stayed under "
                + "the threshold this long.")
        String quietPeriod() default "15s";

        @AttributeDefinition(name = "Cool-down", description = "After an alert resolved, the same destination raises no "
                + "new alert of that kind for this long (0 for none).")
        String cooldown() default "60s";

        @AttributeDefinition(name = "Update interval", description = "How often an ongoing alert is republished with "
                + "fresh values (severity changes are published at once).")
        String updateInterval() default "10s";

        @AttributeDefinition(name = "Evaluation interval", description = "How often the detector compares destinations "
                + "with the thresholds (100ms-60s).")
        String evaluationInterval() default "1s";

        @AttributeDefinition(name = "Most destinations", description = "Destinations tracked at once (16-4194304); "
                + "records of further destinations are counted as dropped until old ones leave the window.")
        int maxKeys() default 65_536;

        @AttributeDefinition(name = "Most active alerts", description = "Alerts active at once; further crossings are "
                + "counted as suppressed.")
        int maxActiveAlerts() default 1000;
    }

    record Settings(Common common, double pps, double bps, double syn, double synRatio) {}

    private volatile Settings settings;

    @Override
    protected void check(Map<String, Object> properties) {
        parse(Configs.of(Config.class, properties));
    }

    static Settings parse(Config c) {
        Common common = Common.parse(c.enabled(), c.window(), c.criticalFactor(), c.allowCidrs(), c.allowPorts(),
                c.quietPeriod(), c.cooldown(), c.updateInterval(), c.evaluationInterval(), c.maxKeys(),
                c.maxActiveAlerts());
        if (!(c.synRatio() >= 0 && c.synRatio() <= 1)) {
            throw new IllegalArgumentException("synRatio must be 0..1: " + c.synRatio());
        }
        return new Settings(common, Units.amount(c.packetsPerSecond(), "packetsPerSecond"),
                Units.amount(c.bitsPerSecond(), "bitsPerSecond"), Units.amount(c.synPerSecond(), "synPerSecond"),
                c.synRatio());
    }

    @Activate
    void activate(Config config) {
        settings = firstSettings("Flood detector", () -> parse(config), () -> parse(Configs.defaults(Config.class)));
        start(NAME, settings.common());
    }

    @Modified
    void modified(Config config) {
        Settings s = nextSettings("Flood detector", () -> parse(config));
        if (s != null) {
            settings = s;
            reconfigure(s.common());
        }
    }

    @Deactivate
    void deactivate(int reason) {
        stop(reason);
    }

    /** Per destination: bytes, packets, SYN-only and all TCP packets; the sources as top contributors. */
    @Override
    protected KeyTable newTable(Common c) {
        return new KeyTable(c.maxKeys(), 4, 5, 0, c.windowMillis());
    }

    @Override
    protected void onRecord(FlowRecord r, long now) {
        KeyTable table = table();
        int e = table.entry(r.dstHi(), r.dstLo(), 0, now);
        if (e < 0) {
            tableFull();
            return;
        }
        long packets = r.packets();
        table.add(e, BYTES, r.bytes(), now);
        table.add(e, PACKETS, packets, now);
        if (r.protocol() == Protocols.TCP) {
            table.add(e, TCP, packets, now);
            if (Traffic.synOnly(r)) {
                table.add(e, SYN, packets, now);
            }
        }
        table.contribute(e, r.srcHi(), r.srcLo(), Traffic.hasPorts(r.protocol()) ? r.dstPort() : 0, packets);
    }

    @Override
    protected boolean examine(int e, Evaluation ev) {
        Settings s = settings;
        KeyTable table = table();
        double pps = ev.rate(e, PACKETS);
        double bps = ev.sum(e, BYTES) * 8 / ev.spanSeconds();
        long tcp = ev.sum(e, TCP);
        long synPackets = ev.sum(e, SYN);
        double syn = ev.rate(e, SYN);
        double ratio = tcp == 0 ? 0 : (double) synPackets / tcp;
        boolean overPps = s.pps() > 0 && pps >= s.pps();
        boolean overBps = s.bps() > 0 && bps >= s.bps();
        boolean overSyn = s.syn() > 0 && syn >= s.syn() && ratio >= s.synRatio();
        if (!overPps && !overBps && !overSyn) {
            return true;
        }
        String address = IpAddresses.format(table.hi(e), table.lo(e));
        String over = " over " + Units.duration(ev.common().windowMillis()) + "; top sources ";
        if (overPps) {
            ev.raise(address + " pps", pps, s.pps(), ev.explain(e, () -> address + " receives " + Units.packets(pps)
                    + " (threshold " + Units.packets(s.pps()) + ")" + over + Evidence.addresses(table.top(e, 3), 3),
                    5, "port", "packets"));
        }
        if (overBps) {
            ev.raise(address + " bps", bps, s.bps(), ev.explain(e, () -> address + " receives " + Units.bits(bps)
                    + " (threshold " + Units.bits(s.bps()) + ")" + over + Evidence.addresses(table.top(e, 3), 3),
                    5, "port", "packets"));
        }
        if (overSyn) {
            ev.raise(address + " syn", syn, s.syn(), ev.explain(e, () -> address + " receives " + Units.packets(syn)
                    + " of SYN without ACK, " + Math.round(ratio * 100) + "% of its TCP packets (thresholds "
                    + Units.packets(s.syn()) + ", " + Math.round(s.synRatio() * 100) + "%)" + over
                    + Evidence.addresses(table.top(e, 3), 3), 5, "port", "packets"));
        }
        return true;
    }
}
