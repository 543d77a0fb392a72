package org.flowlens.sink.prometheus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.Cidr;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the record stream and keeps the labelled flow counters that {@code /metrics} exposes:
 * {@code flow_flows_total}, {@code flow_bytes_total}, {@code flow_packets_total} and
 * {@code flow_bandwidth_bps} over the enabled label groups, and go-net-monitoring's
 * {@code network_*} counters, each table under a cardinality guard.
 */
@Component(service = {FlowSeries.class, FlowConsumer.class, ConfigurationCheck.class}, configurationPid = FlowSeries.PID,
        property = {FlowConsumer.NAME + "=prometheus", ConfigurationCheck.PID + "=" + FlowSeries.PID})
@Designate(ocd = FlowSeries.Config.class)
public class FlowSeries implements FlowConsumer, ConfigurationCheck {
    static final String PID = "flowlens.prometheus.flows";
    private static final Logger LOG = LoggerFactory.getLogger(FlowSeries.class);
    static final int RING = 13;

    @ObjectClassDefinition(name = "Flowlens Prometheus flow metrics", description = "Which labels the flow counters carry and how many series they may have.")
    public @interface Config {
        @AttributeDefinition(name = "Label groups", description = "Any of: addresses (src_addr, dst_addr), protocol, ports (src_port, dst_port), "
                + "interfaces (in_if, out_if), geo (src_country, dst_country), asn (src_asn, dst_asn), exporter.")
        String[] labelGroups() default {"addresses", "protocol"};

        @AttributeDefinition(name = "Maximum series", description = "Series per metric; keys beyond fold into an 'other' series so totals stay exact (10-1000000).")
        int maxSeries() default 10_000;

        @AttributeDefinition(name = "Expire after (seconds)", description = "A series not seen for this long is dropped.")
        int expireSeconds() default 600;

        @AttributeDefinition(name = "Bandwidth window (seconds)", description = "flow_bandwidth_bps averages over this window (12-3600).")
        int bandwidthWindowSeconds() default 60;

        @AttributeDefinition(name = "Local networks", description = "CIDRs of the monitored hosts, for network_bytes_sent_total and network_bytes_received_total.")
        String[] localNetworks() default {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "fe80::/10", "::1/128"};
    }

    enum Group {
        ADDRESSES("addresses", "src_addr", "dst_addr"), PROTOCOL("protocol", "protocol"), PORTS("ports", "src_port", "dst_port"),
        INTERFACES("interfaces", "in_if", "out_if"), GEO("geo", "src_country", "dst_country"), ASN("asn", "src_asn", "dst_asn"),
        EXPORTER("exporter", "exporter");

        final String id;
        final String[] labels;

        Group(String id, String... labels) {
            this.id = id;
            this.labels = labels;
        }

        static Group of(String id) {
            for (Group g : values()) {
                if (g.id.equals(id.trim().toLowerCase(Locale.ROOT))) {
                    return g;
                }
            }
            throw new IllegalArgumentException("unknown label group '" + id + "'; known: addresses, protocol, ports, interfaces, geo, asn, exporter");
        }
    }

    /**
     * Guards every table. Fair, so that a scrape waits for at most the batch in progress: with an
     * unfair lock a consumer that is never idle could take it back again and again.
     */
    private final ReentrantLock lock = new ReentrantLock(true);
    private Group[] groups;
    private SeriesTable flows;
    private SeriesTable domains;
    private SeriesTable ips;
    private final long[] protocolFlows = new long[256];
    private long connections, bytesSent, bytesReceived;
    private Cidr[] local;
    private int bandwidthWindowSeconds;
    private int tick;
    private ScheduledExecutorService timer;

    @Activate
    public FlowSeries(Config config) {
        if (!apply(config)) {
            apply(Configs.defaults(Config.class));
        }
        schedule();
    }

    @Modified
    void modified(Config config) {
        int before = bandwidthWindowSeconds;
        if (apply(config) && before != bandwidthWindowSeconds) {
            timer.shutdownNow();
            schedule();
        }
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    private void schedule() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-prometheus-maintenance");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1000L, bandwidthWindowSeconds * 1000L / (RING - 1));
        timer.scheduleAtFixedRate(() -> maintain(System.currentTimeMillis()), period, period, TimeUnit.MILLISECONDS);
    }

    /** The label groups and local networks of a configuration, once it is checked. */
    private record Parsed(Group[] groups, Cidr[] nets) {}

    /** @throws IllegalArgumentException saying what is refused */
    private static Parsed parse(Config c) {
        Set<Group> set = new LinkedHashSet<>();
        for (String id : c.labelGroups()) {
            if (!id.isBlank()) {
                set.add(Group.of(id));
            }
        }
        Cidr[] nets = Cidr.parseAll(c.localNetworks());
        if (c.maxSeries() < 10 || c.maxSeries() > 1_000_000) {
            throw new IllegalArgumentException("maxSeries must be 10-1000000, got " + c.maxSeries());
        }
        if (c.bandwidthWindowSeconds() < 12 || c.bandwidthWindowSeconds() > 3600) {
            throw new IllegalArgumentException("bandwidthWindowSeconds must be 12-3600, got " + c.bandwidthWindowSeconds());
        }
        if (c.expireSeconds() < 1) {
            throw new IllegalArgumentException("expireSeconds must be positive, got " + c.expireSeconds());
        }
        return new Parsed(set.toArray(new Group[0]), nets);
    }

    /** Whether {@link #modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> parse(Configs.of(Config.class, properties)));
    }

    private boolean apply(Config c) {
        Group[] g;
        Cidr[] nets;
        try {
            Parsed p = parse(c);
            g = p.groups();
            nets = p.nets();
        } catch (IllegalArgumentException e) {
            LOG.error("Refused Prometheus flow metrics configuration: {}; keeping the last good one", e.getMessage());
            return false;
        }
        lock.lock();
        try {
            long expire = c.expireSeconds() * 1000L;
            if (groups == null || !Arrays.equals(groups, g)) {
                // new label sets start new series; Prometheus sees the old ones end
                groups = g;
                List<String> names = new ArrayList<>();
                for (Group x : g) {
                    names.addAll(Arrays.asList(x.labels));
                }
                flows = new SeriesTable(names.toArray(new String[0]), c.maxSeries(), expire, RING);
            }
            flows.limits(c.maxSeries(), expire);
            if (domains == null) {
                domains = new SeriesTable(new String[] {"domain"}, c.maxSeries(), expire, RING);
                ips = new SeriesTable(new String[] {"ip"}, c.maxSeries(), expire, RING);
            }
            domains.limits(c.maxSeries(), expire);
            ips.limits(c.maxSeries(), expire);
            local = nets;
            bandwidthWindowSeconds = c.bandwidthWindowSeconds();
        } finally {
            lock.unlock();
        }
        return true;
    }

    @Override
    public void accept(FlowBatch batch) {
        long now = System.currentTimeMillis();
        lock.lock();
        try {
            for (int i = 0, n = batch.size(); i < n; i++) {
                record(batch.get(i), now);
            }
        } finally {
            lock.unlock();
        }
    }

    private void record(FlowRecord r, long now) {
        long key = 0x51_7C_C1_B7_27_22_0A_95L;
        for (Group g : groups) {
            key = hash(g, r, key);
        }
        Series s = flows.get(key);
        if (s == null) {
            s = flows.add(key, labels(r));
        }
        s.add(1, r.bytes(), r.packets(), now);

        connections++;
        protocolFlows[r.protocol() & 0xFF]++;
        boolean srcLocal = Cidr.any(local, r.srcHi(), r.srcLo());
        boolean dstLocal = Cidr.any(local, r.dstHi(), r.dstLo());
        if (srcLocal) {
            bytesSent += r.bytes();
        }
        if (dstLocal) {
            bytesReceived += r.bytes();
        }
        String dd = r.dstDomain();
        if (dd != null) {
            long k = dd.hashCode() * 0x9E3779B97F4A7C15L + dd.length();
            Series d = domains.get(k);
            if (d == null) {
                d = domains.add(k, new String[] {dd});
            }
            d.add(1, r.bytes(), r.packets(), now);
        }
        String sd = r.srcDomain();
        if (sd != null) {
            long k = sd.hashCode() * 0x9E3779B97F4A7C15L + sd.length();
            Series d = domains.get(k);
            if (d == null) {
                d = domains.add(k, new String[] {sd});
            }
            d.bytesIn += r.bytes();
            d.lastSeenMillis = now;
        }
        long ipKey = step(step(0x2545F4914F6CDD1DL, r.dstHi()), r.dstLo());
        Series ip = ips.get(ipKey);
        if (ip == null) {
            ip = ips.add(ipKey, new String[] {IpAddresses.format(r.dstHi(), r.dstLo())});
        }
        ip.add(1, r.bytes(), r.packets(), now);
    }

    private static long hash(Group g, FlowRecord r, long h) {
        switch (g) {
            case ADDRESSES:
                return step(step(step(step(h, r.srcHi()), r.srcLo()), r.dstHi()), r.dstLo());
            case PROTOCOL:
                return step(h, r.protocol());
            case PORTS:
                return step(h, ((long) r.srcPort() << 16) | r.dstPort());
            case INTERFACES:
                return step(h, ((long) r.inIf() << 32) | (r.outIf() & 0xFFFFFFFFL));
            case GEO:
                return step(step(h, r.srcCountry() == null ? 0 : r.srcCountry().hashCode()), r.dstCountry() == null ? 0 : r.dstCountry().hashCode());
            case ASN:
                return step(step(h, r.srcAs()), r.dstAs());
            default:
                return step(step(h, r.exporterHi()), r.exporterLo());
        }
    }

    static long step(long h, long v) {
        return Long.rotateLeft(h ^ (v * 0xC2B2AE3D27D4EB4FL), 31) * 0x9E3779B97F4A7C15L;
    }

    private String[] labels(FlowRecord r) {
        List<String> out = new ArrayList<>(flows.labelNames.length);
        for (Group g : groups) {
            switch (g) {
                case ADDRESSES -> {
                    out.add(IpAddresses.format(r.srcHi(), r.srcLo()));
                    out.add(IpAddresses.format(r.dstHi(), r.dstLo()));
                }
                case PROTOCOL -> out.add(Protocols.name(r.protocol()));
                case PORTS -> {
                    out.add(Integer.toString(r.srcPort()));
                    out.add(Integer.toString(r.dstPort()));
                }
                case INTERFACES -> {
                    out.add(Integer.toUnsignedString(r.inIf()));
                    out.add(Integer.toUnsignedString(r.outIf()));
                }
                case GEO -> {
                    out.add(r.srcCountry() == null ? "" : r.srcCountry());
                    out.add(r.dstCountry() == null ? "" : r.dstCountry());
                }
                case ASN -> {
                    out.add(r.srcAs() == 0 ? "" : Long.toString(r.srcAs()));
                    out.add(r.dstAs() == 0 ? "" : Long.toString(r.dstAs()));
                }
                case EXPORTER -> out.add(IpAddresses.format(r.exporterHi(), r.exporterLo()));
            }
        }
        return out.toArray(new String[0]);
    }

    void maintain(long now) {
        lock.lock();
        try {
            tick++;
            flows.maintain(now, tick);
            domains.maintain(now, tick);
            ips.maintain(now, tick);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A consistent copy of everything /metrics shows, taken in one hold of the lock: primitive
     * columns per table (about 50 bytes per series), the label arrays shared.
     */
    Snapshot snapshot() {
        lock.lock();
        try {
            int w = bandwidthWindowSeconds;
            return new Snapshot(flows.labelNames, flows.copy(tick, w), domains.copy(tick, w), ips.copy(tick, w), protocolFlows.clone(), connections, bytesSent,
                    bytesReceived, new double[] {flows.size(), domains.size(), ips.size()},
                    new double[] {flows.foldedKeys(), domains.foldedKeys(), ips.foldedKeys()}, w, tick);
        } finally {
            lock.unlock();
        }
    }

    record Snapshot(String[] flowLabels, Rows flows, Rows domains, Rows ips, long[] protocolFlows, long connections, long bytesSent,
            long bytesReceived, double[] seriesCounts, double[] foldedKeys, int bandwidthWindowSeconds, int tick) {}
}
