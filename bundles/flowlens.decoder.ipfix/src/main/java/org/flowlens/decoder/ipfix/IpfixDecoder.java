package org.flowlens.decoder.ipfix;

import java.nio.ByteBuffer;

import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.decode.WireVersion;
import org.flowlens.api.flow.FlowBatch;
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
 * IPFIX (RFC 7011): templates and options templates per exporter and observation domain, with
 * withdrawals and variable-length fields; the header sequence number counts data records, so
 * {@link org.flowlens.api.decode.DecodeContext#sequenceGap} reports missing records.
 */
@Component(
        configurationPid = IpfixDecoder.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowDecoder.FORMAT + "=ipfix", FlowDecoder.VERSIONS + ":Integer=" + WireVersion.IPFIX})
@Designate(ocd = IpfixDecoder.Config.class)
public class IpfixDecoder implements FlowDecoder {
    static final String PID = "org.flowlens.decoder.ipfix";

    @ObjectClassDefinition(name = "Flowlens IPFIX decoder", description = "Decodes IPFIX (RFC 7011) messages received over UDP.")
    public @interface Config {
        @AttributeDefinition(
                name = "Template lifetime (s)",
                description = "A template not refreshed by its exporter for this long is forgotten; data for it then"
                        + " waits for the next refresh.",
                min = "1")
        int templateLifetimeSeconds() default 1800;

        @AttributeDefinition(
                name = "Pending data per exporter (bytes)",
                description = "Data sets that arrive before their template are held back, up to this many bytes per"
                        + " exporter; beyond it they are dropped and counted (template_limit). 0 disables holding back.",
                min = "0",
                max = "67108864")
        int pendingMaxBytes() default 262_144;

        @AttributeDefinition(
                name = "Pending data time (s)",
                description = "How long a data set waits for its template before it is dropped and counted"
                        + " (unknown_template).",
                min = "0")
        int pendingMaxAgeSeconds() default 30;

        @AttributeDefinition(
                name = "Exporter port in template key",
                description = "Key templates by exporter address and UDP source port. Leave off for exporters that"
                        + " change source port between datagrams.")
        boolean exporterPortInKey() default false;

        @AttributeDefinition(
                name = "Templates per exporter",
                description = "Templates and options templates kept per exporter; more are dropped and counted"
                        + " (template_limit).",
                min = "1",
                max = "65536")
        int maxTemplatesPerExporter() default 1024;

        @AttributeDefinition(
                name = "Maximum exporters",
                description = "Exporters with template state; the longest silent one is forgotten when a new one"
                        + " would exceed this.",
                min = "1")
        int maxExporters() default 10_000;

        @AttributeDefinition(
                name = "Apply sampling",
                description = "Scale bytes and packets by the sampling rate the exporter announces (in the record,"
                        + " or in options data per sampler, interface or domain). The rate is kept on each record.")
        boolean applySampling() default true;
    }

    private static final Logger LOG = LoggerFactory.getLogger(IpfixDecoder.class);

    final TemplateDecoder engine = new TemplateDecoder(true);

    /** A decoder with the default configuration (also its state until DS activates it). */
    public IpfixDecoder() {}

    @Activate
    @Modified
    void configure(Config c) {
        String problem = Settings.validate(c.templateLifetimeSeconds(), c.pendingMaxBytes(), c.pendingMaxAgeSeconds(),
                c.maxTemplatesPerExporter(), c.maxExporters());
        if (problem != null) {
            LOG.error("IPFIX decoder configuration refused ({}); keeping the previous configuration", problem);
            return;
        }
        engine.settings(new Settings(c.templateLifetimeSeconds() * 1000L, c.pendingMaxBytes(), c.pendingMaxAgeSeconds() * 1000L,
                c.exporterPortInKey(), c.maxTemplatesPerExporter(), c.maxExporters(), c.applySampling()));
        LOG.info("IPFIX decoder configured: {}", engine.settings());
    }

    @Override
    public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
        engine.decode(datagram, context, out);
    }
}
