package org.flowlens.capture.pcap;

/**
 * How a live capture opens its interface.
 *
 * @param interfaceName the interface; null or blank for {@link CaptureTools#defaultInterface()}
 * @param promiscuous see traffic not addressed to this host
 * @param snaplen bytes kept per packet (headers for metering need about 128; DNS and TLS names need
 *     more: 1,024 or the full 65,535)
 * @param bpfFilter a BPF filter expression (tcpdump syntax), or blank for none
 * @param bufferSizeBytes the kernel capture buffer; 0 for libpcap's default
 * @param immediateMode deliver packets at once instead of when the buffer fills or the timeout ends
 * @param readTimeoutMillis how long a read waits for packets before the meter's clock is advanced
 */
public record LiveCaptureOptions(String interfaceName, boolean promiscuous, int snaplen, String bpfFilter,
        int bufferSizeBytes, boolean immediateMode, int readTimeoutMillis) {

    /** Checks the values; IllegalArgumentException names the first one out of range. */
    public LiveCaptureOptions {
        if (snaplen < 64 || snaplen > 262_144) {
            throw new IllegalArgumentException("snaplen must be 64..262144: " + snaplen);
        }
        if (bufferSizeBytes < 0) {
            throw new IllegalArgumentException("bufferSizeBytes must not be negative: " + bufferSizeBytes);
        }
        if (readTimeoutMillis < 1 || readTimeoutMillis > 10_000) {
            throw new IllegalArgumentException("readTimeoutMillis must be 1..10000: " + readTimeoutMillis);
        }
    }

    /** Defaults for an interface: promiscuous, full packets, 8 MiB buffer, immediate mode, 100 ms. */
    public static LiveCaptureOptions of(String interfaceName) {
        return new LiveCaptureOptions(interfaceName, true, 65_535, "", 8 << 20, true, 100);
    }
}
