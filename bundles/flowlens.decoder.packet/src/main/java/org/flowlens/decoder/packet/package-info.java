/**
 * Allocation-free parsing of captured packets: link layer, IPv4/IPv6 and transport headers, into a
 * reusable {@link org.flowlens.decoder.packet.PacketInfo}. Shared by the packet flow meter and the
 * sFlow decoder (raw packet header samples).
 */
@Export
@Version("1.0.0")
package org.flowlens.decoder.packet;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
