/** Reading and writing pcap and pcapng capture files without native code. */
@Export
@Version("1.0.0")
package org.flowlens.pcap;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
