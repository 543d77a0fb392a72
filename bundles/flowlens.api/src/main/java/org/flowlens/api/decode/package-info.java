/** The decoder plugin contract: flow-export datagrams in, records out. */
@Export
@Version("1.0.0")
package org.flowlens.api.decode;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
