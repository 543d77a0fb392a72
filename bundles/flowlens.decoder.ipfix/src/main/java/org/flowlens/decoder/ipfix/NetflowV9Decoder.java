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
 * NetFlow v9 (RFC 3954): templates and options templates per exporter and source id; the header
 * sequence number counts export packets, so {@link org.flowlens.api.decode.DecodeContext#sequenceGap}
 * reports missing datagrams.
 */
@Component(
        configurationPid = NetflowV9Decoder.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = {FlowDecoder.class, ConfigurationCheck.class},
        property = {ConfigurationCheck.PID + "=" + NetflowV9Decoder.PID, FlowDecoder.FORMAT + "=netflow9", FlowDecoder.VERSIONS + ":Integer=" + WireVersion.NETFLOW_V9})
@Designate(ocd = TemplateDecoderConfig.class)
public class NetflowV9Decoder implements FlowDecoder, ConfigurationCheck {
    static final String PID = "org.flowlens.decoder.netflow9";

    final TemplateDecoder engine = new TemplateDecoder(false);

    /** A decoder with the default configuration (also its state until DS activates it). */
    public NetflowV9Decoder() {}

    @Activate
    @Modified
    void configure(TemplateDecoderConfig c) {
        engine.configure(c, "NetFlow v9");
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
