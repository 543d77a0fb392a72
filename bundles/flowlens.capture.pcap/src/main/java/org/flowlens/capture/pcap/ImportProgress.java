package org.flowlens.capture.pcap;

/**
 * Progress of a file import.
 *
 * @param packets packets read so far
 * @param position bytes of the file read so far
 * @param size the file's size in bytes
 * @param records flow records handed to the sink
 * @param truncated damaged or truncated records skipped by the reader
 * @param undecodable packets that were not IP or could not be parsed
 * @param packetsPerSecond average rate since the import began
 * @param done true once the import ended (completely, cancelled or failed)
 * @param error why it failed, or null
 */
public record ImportProgress(long packets, long position, long size, long records, long truncated,
        long undecodable, double packetsPerSecond, boolean done, String error) {

    /** Bytes read as a percentage of the file, 0 to 100. */
    public double percent() {
        return size <= 0 ? 100.0 : Math.min(100.0, 100.0 * position / size);
    }
}
