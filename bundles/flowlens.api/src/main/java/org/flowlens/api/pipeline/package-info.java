/** The pipeline service and the whiteboard contracts of what it calls: enrichers and consumers. */
@Export
@Version("1.0.0")
package org.flowlens.api.pipeline;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
