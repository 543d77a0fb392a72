/**
 * The flow store: raw flow records and per-minute rollups kept on disk, searched and summarised
 * over any time range for the console's log search and history views.
 */
@Export
@Version("1.0.0")
package org.flowlens.api.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
