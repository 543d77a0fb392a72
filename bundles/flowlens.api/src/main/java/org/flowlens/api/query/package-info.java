/** The query service over in-memory aggregates. */
@Export
@Version("1.0.0")
package org.flowlens.api.query;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
