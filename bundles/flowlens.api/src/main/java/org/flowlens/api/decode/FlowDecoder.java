package org.flowlens.api.decode;

import java.nio.ByteBuffer;

import org.flowlens.api.flow.FlowBatch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns one flow-export datagram into records. Register it as a service with
 * {@link #VERSIONS} naming the wire versions it claims (see {@link WireVersion}); the pipeline
 * dispatches on the datagram's own version field, so any port accepts any format, and a decoder
 * bundle added or removed at run time starts or stops its protocol without a restart.
 *
 * <p>Decoders must be safe against hostile input: never throw on bad data, never loop without
 * bound, cap per-exporter state; report what they reject through {@link DecodeContext#drop}.
 * They are called from several threads at once.
 */
@ConsumerType
public interface FlowDecoder {
    /** Service property: the format name, e.g. {@code netflow}, {@code ipfix}, {@code sflow}. */
    String FORMAT = "flowlens.decoder.format";
    /** Service property: the {@link WireVersion} values claimed (Integer or Integer[]). */
    String VERSIONS = "flowlens.decoder.versions";

    /**
     * Decodes the datagram between its position and limit, appending records to {@code out}.
     * The buffer is not retained after the call.
     */
    void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out);
}
