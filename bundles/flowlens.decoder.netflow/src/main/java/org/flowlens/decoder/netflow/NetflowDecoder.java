package org.flowlens.decoder.netflow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.decode.WireVersion;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NetFlow v1, v5 and v7: fixed-size header followed by fixed-size records.
 *
 * <p>The header {@code count} is trusted only as far as the datagram length allows; records cut
 * off are counted as {@code truncated}. Records are otherwise decoded exactly as they are on the
 * wire, however odd their values. v5 and v7 sequence numbers count flows and are tracked per
 * exporter and engine; gaps are reported through {@link DecodeContext#sequenceGap}.
 */
@Component(
        service = {FlowDecoder.class, ConfigurationCheck.class},
        configurationPid = NetflowDecoder.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
            ConfigurationCheck.PID + "=" + NetflowDecoder.PID,
            FlowDecoder.FORMAT + "=netflow",
            FlowDecoder.VERSIONS + ":Integer=" + WireVersion.NETFLOW_V1,
            FlowDecoder.VERSIONS + ":Integer=" + WireVersion.NETFLOW_V5,
            FlowDecoder.VERSIONS + ":Integer=" + WireVersion.NETFLOW_V7
        })
@Designate(ocd = NetflowDecoder.Config.class)
public class NetflowDecoder implements FlowDecoder, ConfigurationCheck {
    static final String PID = "org.flowlens.decoder.netflow";

    @ObjectClassDefinition(
            name = "Flowlens NetFlow v1/v5/v7 decoder",
            description = "Decodes the fixed-format NetFlow versions 1, 5 and 7.")
    public @interface Config {
        @AttributeDefinition(
                name = "Apply v5 sampling",
                description = "Scale bytes and packets by the sampling interval announced in the v5 header"
                        + " (the rate is kept on each record either way).")
        boolean applySampling() default true;

        @AttributeDefinition(
                name = "Exporter port in key",
                description = "Track sequence numbers per exporter address and UDP source port; off when"
                        + " exporters change source port between datagrams.")
        boolean exporterPortInKey() default false;

        @AttributeDefinition(
                name = "Maximum exporters",
                description = "How many exporters (address and engine) keep sequence state; idle ones are"
                        + " forgotten first when the limit is reached.",
                min = "1")
        int maxExporters() default 10_000;

        @AttributeDefinition(
                name = "Exporter idle timeout (s)",
                description = "Sequence state of an exporter silent for this long is forgotten.",
                min = "1")
        int exporterIdleSeconds() default 3600;
    }

    /** Drop reasons reported through {@link DecodeContext#drop}. */
    static final String TRUNCATED = "truncated";

    static final String BAD_VERSION = "bad_version";

    static final int V1_HEADER = 16, V1_RECORD = 48;
    static final int V5_HEADER = 24, V5_RECORD = 48;
    static final int V7_HEADER = 24, V7_RECORD = 52;

    private static final Logger LOG = LoggerFactory.getLogger(NetflowDecoder.class);

    private volatile Settings settings = new Settings(true, false, 10_000, 3600_000L);
    private final SequenceTracker sequences = new SequenceTracker();

    /** Creates a decoder with the default configuration (also what DS uses before activation). */
    public NetflowDecoder() {}

    /** What is wrong with a configuration, null when nothing is. */
    static String problem(Config config) {
        if (config.maxExporters() < 1 || config.exporterIdleSeconds() < 1) {
            return "maxExporters (" + config.maxExporters() + ") and exporterIdleSeconds (" + config.exporterIdleSeconds()
                    + ") must be at least 1";
        }
        return null;
    }

    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return problem(Configs.of(Config.class, properties));
    }

    @Activate
    @Modified
    void configure(Config config) {
        String problem = problem(config);
        if (problem != null) {
            LOG.error("NetFlow decoder configuration refused: {}; keeping the previous configuration", problem);
            return;
        }
        settings = new Settings(config.applySampling(), config.exporterPortInKey(), config.maxExporters(),
                config.exporterIdleSeconds() * 1000L);
        LOG.info("NetFlow decoder configured: applySampling={} exporterPortInKey={} maxExporters={} exporterIdleSeconds={}",
                config.applySampling(), config.exporterPortInKey(), config.maxExporters(), config.exporterIdleSeconds());
    }

    /** The number of exporters with sequence state (for tests and status). */
    int trackedExporters() {
        return sequences.size();
    }

    @Override
    public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
        try {
            ByteBuffer b = datagram.order() == ByteOrder.BIG_ENDIAN ? datagram : datagram.duplicate().order(ByteOrder.BIG_ENDIAN);
            int p = b.position();
            int len = b.remaining();
            if (len < 4) {
                context.drop(TRUNCATED, 1);
                return;
            }
            int version = b.getShort(p) & 0xFFFF;
            switch (version) {
                case WireVersion.NETFLOW_V1 -> decodeV1(b, p, len, context, out);
                case WireVersion.NETFLOW_V5 -> decodeV5(b, p, len, context, out);
                case WireVersion.NETFLOW_V7 -> decodeV7(b, p, len, context, out);
                default -> context.drop(BAD_VERSION, 1);
            }
        } catch (RuntimeException e) {
            // The parsing above checks every bound; this is the last line of defence.
            context.drop("decoder_error", 1);
            LOG.debug("NetFlow datagram from {} rejected", context.exporter(), e);
        }
    }

    /** How many of {@code count} announced records fit; counts the rest as truncated. */
    private static int fitting(int count, int len, int header, int record, DecodeContext context) {
        int room = Math.max(0, (len - header) / record);
        if (count > room) {
            context.drop(TRUNCATED, count - room);
            return room;
        }
        return count;
    }

    private void decodeV1(ByteBuffer b, int p, int len, DecodeContext ctx, FlowBatch out) {
        if (len < V1_HEADER) {
            ctx.drop(TRUNCATED, 1);
            return;
        }
        int count = fitting(b.getShort(p + 2) & 0xFFFF, len, V1_HEADER, V1_RECORD, ctx);
        int uptime = b.getInt(p + 4);
        long exportMillis = (b.getInt(p + 8) & 0xFFFFFFFFL) * 1000L + (b.getInt(p + 12) & 0xFFFFFFFFL) / 1_000_000L;
        ExporterAddress exp = ExporterAddress.of(ctx.exporter());
        long received = ctx.receivedMillis();
        int r = p + V1_HEADER;
        for (int i = 0; i < count; i++, r += V1_RECORD) {
            FlowRecord f = out.next();
            common(f, b, r, exp, received, exportMillis, uptime, "netflow_v1");
            f.srcPort(b.getShort(r + 32) & 0xFFFF)
                    .dstPort(b.getShort(r + 34) & 0xFFFF)
                    .protocol(b.get(r + 38) & 0xFF)
                    .tos(b.get(r + 39) & 0xFF)
                    .tcpFlags(b.get(r + 40) & 0xFF)
                    .packets(b.getInt(r + 16) & 0xFFFFFFFFL)
                    .bytes(b.getInt(r + 20) & 0xFFFFFFFFL);
        }
    }

    private void decodeV5(ByteBuffer b, int p, int len, DecodeContext ctx, FlowBatch out) {
        if (len < V5_HEADER) {
            ctx.drop(TRUNCATED, 1);
            return;
        }
        Settings s = settings;
        int count = fitting(b.getShort(p + 2) & 0xFFFF, len, V5_HEADER, V5_RECORD, ctx);
        int uptime = b.getInt(p + 4);
        long exportMillis = (b.getInt(p + 8) & 0xFFFFFFFFL) * 1000L + (b.getInt(p + 12) & 0xFFFFFFFFL) / 1_000_000L;
        int sequence = b.getInt(p + 16);
        int engine = b.getShort(p + 20) & 0xFFFF;
        int interval = b.getShort(p + 22) & 0x3FFF;
        long rate = interval > 1 ? interval : 1;
        long scale = s.applySampling ? rate : 1;
        ExporterAddress exp = sequences.track(ctx, s, engine, sequence, count);
        long received = ctx.receivedMillis();
        int r = p + V5_HEADER;
        for (int i = 0; i < count; i++, r += V5_RECORD) {
            FlowRecord f = out.next();
            common(f, b, r, exp, received, exportMillis, uptime, "netflow_v5");
            f.observationDomain(engine)
                    .samplingRate(scale)
                    .srcPort(b.getShort(r + 32) & 0xFFFF)
                    .dstPort(b.getShort(r + 34) & 0xFFFF)
                    .tcpFlags(b.get(r + 37) & 0xFF)
                    .protocol(b.get(r + 38) & 0xFF)
                    .tos(b.get(r + 39) & 0xFF)
                    .srcAs(b.getShort(r + 40) & 0xFFFF)
                    .dstAs(b.getShort(r + 42) & 0xFFFF)
                    .srcMask(b.get(r + 44) & 0xFF)
                    .dstMask(b.get(r + 45) & 0xFF)
                    .packets((b.getInt(r + 16) & 0xFFFFFFFFL) * scale)
                    .bytes((b.getInt(r + 20) & 0xFFFFFFFFL) * scale);
        }
    }

    private void decodeV7(ByteBuffer b, int p, int len, DecodeContext ctx, FlowBatch out) {
        if (len < V7_HEADER) {
            ctx.drop(TRUNCATED, 1);
            return;
        }
        int count = fitting(b.getShort(p + 2) & 0xFFFF, len, V7_HEADER, V7_RECORD, ctx);
        int uptime = b.getInt(p + 4);
        long exportMillis = (b.getInt(p + 8) & 0xFFFFFFFFL) * 1000L + (b.getInt(p + 12) & 0xFFFFFFFFL) / 1_000_000L;
        int sequence = b.getInt(p + 16);
        ExporterAddress exp = sequences.track(ctx, settings, 0, sequence, count);
        long received = ctx.receivedMillis();
        int r = p + V7_HEADER;
        for (int i = 0; i < count; i++, r += V7_RECORD) {
            FlowRecord f = out.next();
            common(f, b, r, exp, received, exportMillis, uptime, "netflow_v7");
            f.srcPort(b.getShort(r + 32) & 0xFFFF)
                    .dstPort(b.getShort(r + 34) & 0xFFFF)
                    .tcpFlags(b.get(r + 37) & 0xFF)
                    .protocol(b.get(r + 38) & 0xFF)
                    .tos(b.get(r + 39) & 0xFF)
                    .srcAs(b.getShort(r + 40) & 0xFFFF)
                    .dstAs(b.getShort(r + 42) & 0xFFFF)
                    .srcMask(b.get(r + 44) & 0xFF)
                    .dstMask(b.get(r + 45) & 0xFF)
                    .packets(b.getInt(r + 16) & 0xFFFFFFFFL)
                    .bytes(b.getInt(r + 20) & 0xFFFFFFFFL);
        }
    }

    /** The fields at the same place in v1, v5 and v7 records. */
    private static void common(FlowRecord f, ByteBuffer b, int r, ExporterAddress exp, long received, long exportMillis,
            int uptime, String format) {
        f.format(format)
                .receivedMillis(received)
                .exporter(exp.hi, exp.lo)
                .srcV4(b.getInt(r))
                .dstV4(b.getInt(r + 4))
                .nextHop(0, IpAddresses.v4Lo(b.getInt(r + 8)))
                .inIf(b.getShort(r + 12) & 0xFFFF)
                .outIf(b.getShort(r + 14) & 0xFFFF)
                .startMillis(uptimeToEpoch(exportMillis, uptime, b.getInt(r + 24)))
                .endMillis(uptimeToEpoch(exportMillis, uptime, b.getInt(r + 28)));
    }

    /**
     * Converts a sysUptime-relative time (milliseconds since the exporter booted, a 32-bit counter
     * that wraps after 49.7 days) to epoch milliseconds. The difference to the header's uptime is
     * taken modulo 2^32, so a flow that started before the counter wrapped still lands just before
     * the export time, and one stamped slightly after it (clock skew) just after.
     */
    static long uptimeToEpoch(long exportMillis, int headerUptime, int uptime) {
        int age = headerUptime - uptime;
        return exportMillis - age;
    }

    /** Immutable snapshot of the configuration, swapped atomically on change. */
    record Settings(boolean applySampling, boolean portInKey, int maxExporters, long idleMillis) {}
}
