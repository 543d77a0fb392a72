package org.flowlens.capture.pcap.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.capture.pcap.LiveCapture;
import org.flowlens.capture.pcap.LiveCaptureOptions;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live capture on one interface (one factory configuration per interface), metered into flow
 * records for the pipeline. Registers a {@link CaptureSource} of kind {@code pcap}.
 */
@Component(service = {CaptureSource.class, ConfigurationCheck.class}, configurationPid = LiveCaptureComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {CaptureSource.KIND + "=pcap", ConfigurationCheck.PID + "=" + LiveCaptureComponent.PID})
@Designate(ocd = LiveCaptureComponent.Config.class, factory = true)
public class LiveCaptureComponent implements CaptureSource, ConfigurationCheck {

    static final String PID = "org.flowlens.capture.pcap.live";
    private static final Logger LOG = LoggerFactory.getLogger(LiveCaptureComponent.class);

    @ObjectClassDefinition(name = "Flowlens live packet capture",
            description = "Captures packets on one network interface with libpcap and meters them into flow records."
                    + " Needs root or CAP_NET_RAW.")
    public @interface Config {
        @AttributeDefinition(name = "Interface", description = "Interface to capture on; empty for the first one that"
                + " is up and not a loopback")
        String interfaceName() default "";

        @AttributeDefinition(name = "Capturing", description = "Capture now; clear to keep the configuration but stop")
        boolean enabled() default true;

        @AttributeDefinition(name = "Promiscuous mode", description = "Also see traffic not addressed to this host")
        boolean promiscuous() default true;

        @AttributeDefinition(name = "Snap length", description = "Bytes kept per packet (64-262144); DNS and TLS names"
                + " need the first kilobyte or so")
        int snaplen() default 65535;

        @AttributeDefinition(name = "BPF filter", description = "Capture filter in tcpdump syntax, e.g. 'not port 22';"
                + " empty for all traffic")
        String bpfFilter() default "";

        @AttributeDefinition(name = "Kernel buffer (bytes)", description = "Capture buffer size; 0 for libpcap's default")
        int bufferSizeBytes() default 8388608;

        @AttributeDefinition(name = "Immediate mode", description = "Deliver each packet at once instead of in"
                + " buffered bursts")
        boolean immediateMode() default true;

        @AttributeDefinition(name = "Read timeout (ms)", description = "How long a read waits before idle sessions are"
                + " checked (1-10000)")
        int readTimeoutMillis() default 100;

        @AttributeDefinition(name = "Maximum sessions", description = "Sessions tracked at once; when full the least"
                + " recently active is reported early and counted as an eviction")
        int maxSessions() default 262144;

        @AttributeDefinition(name = "TCP idle timeout (s)")
        long tcpIdleSeconds() default 300;

        @AttributeDefinition(name = "UDP idle timeout (s)")
        long udpIdleSeconds() default 60;

        @AttributeDefinition(name = "ICMP idle timeout (s)")
        long icmpIdleSeconds() default 30;

        @AttributeDefinition(name = "Other protocols idle timeout (s)")
        long otherIdleSeconds() default 60;

        @AttributeDefinition(name = "TCP timeout after FIN (s)", description = "Idle time after which a session closed"
                + " in both directions ends")
        long tcpFinSeconds() default 10;

        @AttributeDefinition(name = "TCP timeout after RST (s)")
        long tcpRstSeconds() default 5;

        @AttributeDefinition(name = "Active timeout (s)", description = "Without updates, long sessions are reported"
                + " in pieces this long")
        long activeSeconds() default 300;

        @AttributeDefinition(name = "Update interval (ms)", description = "Open sessions report the packets they"
                + " carried since their last report at most this long after the first of them (0-3600000), so that"
                + " detectors see new sessions within a second; each record holds only its own packets, so totals stay"
                + " exact. 0 reports each session once, when it ends")
        long updateMillis() default 500;

        @AttributeDefinition(name = "Learn domain names", description = "Read DNS answers, TLS server names and HTTP"
                + " Host headers to name the addresses of flows")
        boolean sniffNames() default true;

        @AttributeDefinition(name = "Domain table size", description = "Addresses whose names are remembered")
        int domainTableSize() default 65536;

        @AttributeDefinition(name = "Open tunnels", description = "Meter the packets inside GRE, VXLAN, IP-in-IP and"
                + " MPLS pseudowires instead of the tunnels")
        boolean decapsulateTunnels() default false;

        @AttributeDefinition(name = "Ignore localhost", description = "Leave out traffic from or to 127.0.0.0/8 and ::1")
        boolean ignoreLocalhost() default false;

        @AttributeDefinition(name = "Ignore ports", description = "Ports or ranges (22, 6000-6100) whose packets are"
                + " left out")
        String[] ignorePorts() default {};

        @AttributeDefinition(name = "Ignore addresses", description = "Addresses or CIDR networks whose packets are"
                + " left out")
        String[] ignoreNetworks() default {};

        @AttributeDefinition(name = "Only domains", description = "When set, only sessions with one of these domains"
                + " (or a subdomain) are reported")
        String[] onlyDomains() default {};

        @AttributeDefinition(name = "Protocols", description = "When set, only these protocols (tcp, udp, icmp or"
                + " numbers) are metered")
        String[] protocols() default {};
    }

    @Reference
    FlowPipeline pipeline;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
    Metrics metrics;

    private String metricsLabel;

    private LiveCaptureOptions options;
    private MeterSettings settings;
    private DomainTable domains;
    private LiveCapture capture;
    private Thread thread;
    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile long droppedRecords;
    private volatile long droppedBatches;

    @Activate
    void activate(Config config) {
        apply(config, true);
        registerMetrics();
    }

    private static final String[][] GAUGES = {
        {"flowlens_capture_packets_received_total", "Packets received from libpcap"},
        {"flowlens_capture_packets_dropped_kernel_total", "Packets the kernel dropped (capture buffer full)"},
        {"flowlens_capture_packets_undecodable_total", "Captured packets that were not IP or could not be parsed"},
        {"flowlens_capture_records_dropped_total", "Flow records the pipeline refused (queue full)"},
        {"flowlens_capture_sessions", "Sessions being metered"},
        {"flowlens_capture_evictions_total", "Sessions ended early because the session table was full"},
    };

    private void registerMetrics() {
        Metrics m = metrics;
        if (m == null) {
            return;
        }
        metricsLabel = name();
        m.gauge(GAUGES[0][0], GAUGES[0][1], () -> {
            LiveCapture c = capture;
            return c == null ? 0 : c.received();
        }, "source", metricsLabel);
        m.gauge(GAUGES[1][0], GAUGES[1][1], () -> {
            LiveCapture c = capture;
            return c == null ? 0 : c.kernelDropped();
        }, "source", metricsLabel);
        m.gauge(GAUGES[2][0], GAUGES[2][1], () -> {
            LiveCapture c = capture;
            return c == null ? 0 : c.meter().notIp() + c.meter().truncatedPackets() + c.meter().malformedPackets()
                    + c.meter().unknownLinkType();
        }, "source", metricsLabel);
        m.gauge(GAUGES[3][0], GAUGES[3][1], () -> droppedRecords, "source", metricsLabel);
        m.gauge(GAUGES[4][0], GAUGES[4][1], () -> {
            LiveCapture c = capture;
            return c == null ? 0 : c.meter().sessions();
        }, "source", metricsLabel);
        m.gauge(GAUGES[5][0], GAUGES[5][1], () -> {
            LiveCapture c = capture;
            return c == null ? 0 : c.meter().evictions();
        }, "source", metricsLabel);
    }

    @Modified
    void modified(Config config) {
        apply(config, false);
    }

    private static LiveCaptureOptions options(Config c) {
        return new LiveCaptureOptions(c.interfaceName(), c.promiscuous(), c.snaplen(), c.bpfFilter(), c.bufferSizeBytes(),
                c.immediateMode(), c.readTimeoutMillis());
    }

    private static MeterSettings settings(Config c) {
        if (c.domainTableSize() < 1) {
            throw new IllegalArgumentException("domainTableSize must be positive: " + c.domainTableSize());
        }
        return MeterConfig.settings(c.maxSessions(), c.tcpIdleSeconds(), c.udpIdleSeconds(), c.icmpIdleSeconds(),
                c.otherIdleSeconds(), c.tcpFinSeconds(), c.tcpRstSeconds(), c.activeSeconds(), c.updateMillis(), c.sniffNames(),
                c.decapsulateTunnels(), c.ignoreLocalhost(), c.ignorePorts(), c.ignoreNetworks(), c.onlyDomains(), c.protocols());
    }

    /** Whether {@code modified} would take these properties (the BPF filter is compiled only when the capture opens). */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        Config c = Configs.of(Config.class, properties);
        return ConfigurationCheck.problem(() -> {
            options(c);
            settings(c);
        });
    }

    private synchronized void apply(Config c, boolean first) {
        LiveCaptureOptions newOptions;
        MeterSettings newSettings;
        try {
            newOptions = options(c);
            newSettings = settings(c);
        } catch (IllegalArgumentException e) {
            LOG.error("Live capture configuration refused, keeping the previous one: {}", e.getMessage());
            if (first) {
                state = State.FAILED;
                lastError = "configuration refused: " + e.getMessage();
            }
            return;
        }
        if (domains == null) {
            domains = new DomainTable(c.domainTableSize(), 60, 86_400);
        } else {
            domains.configure(c.domainTableSize(), 60, 86_400);
        }
        boolean restart = !newOptions.equals(options);
        options = newOptions;
        settings = newSettings;
        if (!c.enabled()) {
            stop();
        } else if (restart || capture == null) {
            stop();
            start();
        } else {
            capture.reconfigure(newSettings);
        }
    }

    @Deactivate
    void deactivate() {
        stop();
        Metrics m = metrics;
        if (m != null && metricsLabel != null) {
            for (String[] g : GAUGES) {
                m.remove(g[0], "source", metricsLabel);
            }
        }
    }

    @Override
    public String name() {
        LiveCapture c = capture;
        String iface = c != null && c.interfaceName() != null ? c.interfaceName()
                : options == null || options.interfaceName().isBlank() ? "default" : options.interfaceName();
        return "pcap:" + iface;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public synchronized void start() {
        if (state == State.RUNNING || options == null) {
            return;
        }
        LiveCapture c = new LiveCapture(options, settings, domains, this::deliver);
        try {
            c.open();
        } catch (IOException e) {
            lastError = e.getMessage();
            state = State.FAILED;
            LOG.error("Live capture not started: {}", e.getMessage());
            return;
        }
        capture = c;
        lastError = null;
        state = State.RUNNING;
        thread = new Thread(() -> {
            c.run();
            if (c.lastError() != null) {
                lastError = c.lastError();
                state = State.FAILED;
                LOG.error("{}", c.lastError());
            }
        }, "flowlens-capture-" + c.interfaceName());
        thread.setDaemon(true);
        thread.start();
        LOG.info("Capturing on {} (link type {})", c.interfaceName(), c.status().get("link_type"));
    }

    @Override
    public synchronized void stop() {
        LiveCapture c = capture;
        Thread t = thread;
        if (c == null) {
            return;
        }
        c.stop();
        if (t != null) {
            try {
                t.join(options.readTimeoutMillis() * 10L + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        capture = null;
        thread = null;
        if (state == State.RUNNING) {
            state = State.STOPPED;
        }
    }

    private void deliver(FlowBatch batch) {
        int n = batch.size();
        if (!pipeline.submit(batch, name())) {
            droppedRecords += n;
            droppedBatches++;
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "pcap");
        m.put("state", state.name());
        LiveCapture c = capture;
        if (c != null) {
            m.putAll(c.status());
        } else if (options != null) {
            m.put("interface", options.interfaceName());
        }
        m.put("dropped_flowlens_records", droppedRecords);
        m.put("dropped_flowlens_batches", droppedBatches);
        DomainTable d = domains;
        if (d != null) {
            m.put("domain_names", d.size());
        }
        if (lastError != null) {
            m.put("error", lastError);
        }
        return m;
    }

    /** The capture running now, or null. */
    LiveCapture capture() {
        return capture;
    }
}
