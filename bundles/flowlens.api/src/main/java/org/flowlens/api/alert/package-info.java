/** Alerts and the Event Admin topics they travel on. */
@Export
@Version("1.0.0")
package org.flowlens.api.alert;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
