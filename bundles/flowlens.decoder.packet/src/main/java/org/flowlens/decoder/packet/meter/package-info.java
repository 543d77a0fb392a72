/**
 * The packet flow meter: bidirectional sessions keyed by the 5-tuple with timeouts, TCP state and
 * bounded memory, expired as unidirectional {@link org.flowlens.api.flow.FlowRecord}s; the domain
 * names learned from DNS responses, TLS ClientHello and HTTP requests; packet filters.
 */
@Export
@Version("1.0.0")
package org.flowlens.decoder.packet.meter;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
