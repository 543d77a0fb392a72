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
import org.osgi.service.metatype.annotations.Designate;

/**
 * NetFlow v9 (RFC 3954): templates and options templates per exporter and source id; the header
 * sequence number counts export packets, so {@link org.flowlens.api.decode.DecodeContext#sequenceGap}
 * reports missing datagrams.
 */
@Component(
        configurationPid = NetflowV9Decoder.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {FlowDecoder.FORMAT + "=netflow9", FlowDecoder.VERSIONS + ":Integer=" + WireVersion.NETFLOW_V9})
@Designate(ocd = TemplateDecoderConfig.class)
public class NetflowV9Decoder implements FlowDecoder {
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
    public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
        engine.decode(datagram, context, out);
    }
}
