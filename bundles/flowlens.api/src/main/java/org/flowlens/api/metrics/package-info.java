/** Internal health metrics shared by every bundle. */
@Export
@Version("1.0.0")
package org.flowlens.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
