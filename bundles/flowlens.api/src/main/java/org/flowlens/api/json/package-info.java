/**
 * The JSON form of a flow record, without third-party libraries: the object {@code POST /ingest}
 * takes, the forwarder sends and the Kafka sink publishes. One writer and one reader so that every
 * bundle speaks exactly the same format.
 */
@Export
@Version("1.0.0")
package org.flowlens.api.json;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
