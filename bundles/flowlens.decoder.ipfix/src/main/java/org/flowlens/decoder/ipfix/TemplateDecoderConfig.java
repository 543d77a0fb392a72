package org.flowlens.decoder.ipfix;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The configuration both template-based decoders (NetFlow v9 and IPFIX) take. */
@ObjectClassDefinition(name = "Flowlens NetFlow v9 / IPFIX decoder", description = "Decodes NetFlow version 9 (RFC 3954) and IPFIX (RFC 7011)"
    + " datagrams: the same template machinery, configured per PID (org.flowlens.decoder.netflow9, org.flowlens.decoder.ipfix).")
public @interface TemplateDecoderConfig {
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
