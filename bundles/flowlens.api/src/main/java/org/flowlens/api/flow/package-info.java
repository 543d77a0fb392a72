/** The normalized flow record and batches of them. */
@Export
@Version("1.0.0")
package org.flowlens.api.flow;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
