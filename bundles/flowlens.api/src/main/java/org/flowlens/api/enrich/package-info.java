/**
 * What the enrichers know about addresses and interfaces, for the console, the REST API and the
 * exporters: country, city, location and AS of an address; name and speed of an exporter's
 * interface (to show utilisation in percent).
 */
@Export
@Version("1.0.0")
package org.flowlens.api.enrich;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
