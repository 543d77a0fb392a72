package org.flowlens.decoder.ipfix;

import java.nio.ByteBuffer;
import java.util.Map;

import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.decode.WireVersion;
import org.flowlens.api.flow.FlowBatch;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * IPFIX (RFC 7011): templates and options templates per exporter and observation domain, with
 * withdrawals and variable-length fields; the header sequence number counts data records, so
 * {@link org.flowlens.api.decode.DecodeContext#sequenceGap} reports missing records.
 */
@Component(
        configurationPid = IpfixDecoder.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {FlowDecoder.class, ConfigurationCheck.class},
        property = {ConfigurationCheck.PID + "=" + IpfixDecoder.PID, FlowDecoder.FORMAT + "=ipfix", FlowDecoder.VERSIONS + ":Integer=" + WireVersion.IPFIX})
@Designate(ocd = TemplateDecoderConfig.class)
public class IpfixDecoder implements FlowDecoder, ConfigurationCheck {
    static final String PID = "org.flowlens.decoder.ipfix";

    final TemplateDecoder engine = new TemplateDecoder(true);

    /** A decoder with the default configuration (also its state until DS activates it). */
    public IpfixDecoder() {}

    @Activate
    @Modified
    void configure(TemplateDecoderConfig c) {
        engine.configure(c, "IPFIX");
    }

    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return TemplateDecoder.problem(properties);
    }

    @Override
    public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
        engine.decode(datagram, context, out);
    }
}
