/**
 * Packet capture: live capture through libpcap and pcap/pcapng file import, both metered into flow
 * records. The plain classes here are what the command line and the REST API call directly
 * ({@link org.flowlens.capture.pcap.CaptureTools#listInterfaces()}, {@link
 * org.flowlens.capture.pcap.CaptureTools#checkDependencies()}, {@link
 * org.flowlens.capture.pcap.PcapFileImport}); the Declarative Services components that run them
 * from configuration are private to this bundle.
 */
@Export
@Version("1.0.0")
package org.flowlens.capture.pcap;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
