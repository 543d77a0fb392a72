/** The capture source contract. */
@Export
@Version("1.0.0")
package org.flowlens.api.capture;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
