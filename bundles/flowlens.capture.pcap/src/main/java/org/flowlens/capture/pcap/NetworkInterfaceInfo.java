package org.flowlens.capture.pcap;

import java.util.List;

/**
 * A network interface as libpcap sees it.
 *
 * @param addresses its IP addresses as text
 */
public record NetworkInterfaceInfo(String name, String description, List<String> addresses, boolean up,
        boolean running, boolean loopback) {
}
