/** Component configurations: property types from maps, and checks of a configuration before it is saved. */
@Export
@Version("1.0.0")
package org.flowlens.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
