package org.flowlens.capture.pcap;

/**
 * Whether live capture can work here.
 *
 * @param libpcap true when libpcap was loaded
 * @param libpcapVersion its version text, or null
 * @param privileged true when the process runs as root or has CAP_NET_RAW (false when that cannot
 *     be told, e.g. outside Linux)
 * @param message one paragraph for a person: what is missing and how to fix it, or that all is well
 */
public record DependencyReport(boolean libpcap, String libpcapVersion, boolean privileged, String message) {

    /** True when live capture should work. */
    public boolean ok() {
        return libpcap && privileged;
    }
}
