package org.flowlens.capture.pcap.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.capture.pcap.ImportProgress;
import org.flowlens.capture.pcap.PcapFileImport;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports one pcap or pcapng file (one factory configuration per file) into the pipeline, as fast
 * as possible or at the recorded speed. Registers a {@link CaptureSource} of kind {@code
 * pcap-file} whose status shows the progress. A changed configuration starts the import again.
 */
@Component(service = {CaptureSource.class, ConfigurationCheck.class}, configurationPid = FileImportComponent.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {CaptureSource.KIND + "=pcap-file", ConfigurationCheck.PID + "=" + FileImportComponent.PID})
@Designate(ocd = FileImportComponent.Config.class, factory = true)
public class FileImportComponent implements CaptureSource, ConfigurationCheck {

    static final String PID = "org.flowlens.capture.pcap.file";
    private static final Logger LOG = LoggerFactory.getLogger(FileImportComponent.class);

    @ObjectClassDefinition(name = "Flowlens pcap file import",
            description = "Reads a pcap or pcapng file and meters its packets into flow records.")
    public @interface Config {
        @AttributeDefinition(name = "File", description = "Path of the pcap or pcapng file")
        String file();

        @AttributeDefinition(name = "Speed", description = "As fast as possible, or following the packets' timestamps",
                options = {@Option(label = "As fast as possible", value = "FAST"),
                    @Option(label = "At the recorded speed", value = "RECORDED")})
        String speed() default "FAST";

        @AttributeDefinition(name = "Start at once", description = "Import when configured; otherwise wait for start")
        boolean autoStart() default true;

        @AttributeDefinition(name = "Maximum sessions")
        int maxSessions() default 1048576;

        @AttributeDefinition(name = "TCP idle timeout (s)")
        long tcpIdleSeconds() default 300;

        @AttributeDefinition(name = "UDP idle timeout (s)")
        long udpIdleSeconds() default 60;

        @AttributeDefinition(name = "ICMP idle timeout (s)")
        long icmpIdleSeconds() default 30;

        @AttributeDefinition(name = "Other protocols idle timeout (s)")
        long otherIdleSeconds() default 60;

        @AttributeDefinition(name = "TCP timeout after FIN (s)")
        long tcpFinSeconds() default 10;

        @AttributeDefinition(name = "TCP timeout after RST (s)")
        long tcpRstSeconds() default 5;

        @AttributeDefinition(name = "Active timeout (s)")
        long activeSeconds() default 300;

        @AttributeDefinition(name = "Update interval (ms)", description = "Open sessions report the packets they"
                + " carried since their last report at most this long (packet clock) after the first of them; 0 (the"
                + " default for files) reports each session once, when it ends")
        long updateMillis() default 0;

        @AttributeDefinition(name = "Learn domain names")
        boolean sniffNames() default true;

        @AttributeDefinition(name = "Open tunnels")
        boolean decapsulateTunnels() default false;

        @AttributeDefinition(name = "Ignore localhost")
        boolean ignoreLocalhost() default false;

        @AttributeDefinition(name = "Ignore ports")
        String[] ignorePorts() default {};

        @AttributeDefinition(name = "Ignore addresses")
        String[] ignoreNetworks() default {};

        @AttributeDefinition(name = "Only domains")
        String[] onlyDomains() default {};

        @AttributeDefinition(name = "Protocols")
        String[] protocols() default {};
    }

    @Reference
    FlowPipeline pipeline;

    private Path file;
    private PcapFileImport.Speed speed;
    private MeterSettings settings;
    private PcapFileImport current;
    private Thread thread;
    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile long droppedRecords;

    private static PcapFileImport.Speed speed(Config c) {
        return PcapFileImport.Speed.valueOf(c.speed().trim().toUpperCase(java.util.Locale.ROOT));
    }

    private static MeterSettings settings(Config c) {
        return MeterConfig.settings(c.maxSessions(), c.tcpIdleSeconds(), c.udpIdleSeconds(), c.icmpIdleSeconds(),
                c.otherIdleSeconds(), c.tcpFinSeconds(), c.tcpRstSeconds(), c.activeSeconds(), c.updateMillis(), c.sniffNames(),
                c.decapsulateTunnels(), c.ignoreLocalhost(), c.ignorePorts(), c.ignoreNetworks(), c.onlyDomains(), c.protocols());
    }

    /** Whether an import would start on these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        Config c = Configs.of(Config.class, properties);
        return ConfigurationCheck.problem(() -> {
            Paths.get(c.file());
            speed(c);
            settings(c);
        });
    }

    @Activate
    void activate(Config c) {
        try {
            file = Paths.get(c.file());
            speed = speed(c);
            settings = settings(c);
        } catch (RuntimeException e) {
            lastError = "configuration refused: " + e.getMessage();
            state = State.FAILED;
            LOG.error("pcap file import configuration refused: {}", e.getMessage());
            return;
        }
        if (c.autoStart()) {
            start();
        }
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    @Override
    public String name() {
        return "pcap-file:" + (file == null ? "?" : file.getFileName());
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public synchronized void start() {
        if (state == State.RUNNING || settings == null) {
            return;
        }
        PcapFileImport imp = new PcapFileImport(file, speed, settings, new DomainTable(65_536, 60, 86_400), this::deliver);
        current = imp;
        lastError = null;
        state = State.RUNNING;
        thread = new Thread(() -> {
            try {
                ImportProgress p = imp.run();
                LOG.info("Imported {}: {} packets, {} flow records, {} undecodable, {} damaged records, {} pkt/s",
                        file, p.packets(), p.records(), p.undecodable(), p.truncated(), Math.round(p.packetsPerSecond()));
                state = State.STOPPED;
            } catch (IOException | RuntimeException e) {
                lastError = e.getMessage();
                state = State.FAILED;
                LOG.error("Import of {} failed: {}", file, e.getMessage());
            }
        }, "flowlens-import-" + file.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void stop() {
        PcapFileImport imp = current;
        if (imp == null) {
            return;
        }
        imp.cancel();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (state == State.RUNNING) {
            state = State.STOPPED;
        }
    }

    private void deliver(FlowBatch batch) {
        int n = batch.size();
        if (!pipeline.submit(batch, name())) {
            droppedRecords += n;
        }
    }

    /** The running or last import, or null. */
    PcapFileImport current() {
        return current;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "pcap-file");
        m.put("state", state.name());
        m.put("file", file == null ? null : file.toString());
        m.put("speed", speed == null ? null : speed.name());
        PcapFileImport imp = current;
        if (imp != null) {
            ImportProgress p = imp.progress();
            m.put("packets", p.packets());
            m.put("bytes", p.position());
            m.put("size", p.size());
            m.put("percent", Math.round(p.percent() * 10) / 10.0);
            m.put("packets_per_second", Math.round(p.packetsPerSecond()));
            m.put("records", p.records());
            m.put("undecodable", p.undecodable());
            m.put("damaged", p.truncated());
            m.put("done", p.done());
            m.put("cancelled", imp.cancelled());
        }
        m.put("dropped_flowlens_records", droppedRecords);
        if (lastError != null) {
            m.put("error", lastError);
        }
        return m;
    }
}
