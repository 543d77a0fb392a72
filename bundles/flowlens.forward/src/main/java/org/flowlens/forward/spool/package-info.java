/**
 * A size-capped, ordered disk spool of opaque entries, shared by the outputs that must survive an
 * unreachable destination: the forwarder and the Kafka sink.
 */
@Export
@Version("1.0.0")
package org.flowlens.forward.spool;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
