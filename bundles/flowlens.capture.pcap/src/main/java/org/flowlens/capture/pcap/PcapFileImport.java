package org.flowlens.capture.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.FlowMeter;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.flowlens.pcap.PcapReader;

/**
 * Imports one pcap or pcapng file: reads it, meters its packets into flow records and hands the
 * records to a sink in batches, as fast as possible or at the speed it was recorded. At the end
 * every session still open is reported. {@link #run()} blocks; {@link #progress()} and {@link
 * #cancel()} may be called from other threads.
 */
public final class PcapFileImport {

    /** How fast packets are replayed. */
    public enum Speed {
        /** As fast as the machine goes. */
        FAST,
        /** Following the gaps between the packets' timestamps. */
        RECORDED
    }

    private static final int PROGRESS_EVERY = 4096;

    private final Path file;
    private final Speed speed;
    private final FlowMeter meter;

    private volatile boolean cancelled;
    private volatile long packets;
    private volatile long position;
    private volatile long size;
    private volatile long truncated;
    private volatile boolean done;
    private volatile String error;
    private volatile long startNanos;
    private volatile long endNanos;

    /**
     * @param sink receives the records; it owns each batch it is given
     */
    public PcapFileImport(Path file, Speed speed, MeterSettings settings, DomainTable domains, Consumer<FlowBatch> sink) {
        this.file = file;
        this.speed = speed;
        this.meter = new FlowMeter(settings, domains, sink);
    }

    /**
     * Imports the whole file (or until {@link #cancel()}).
     *
     * @return the final progress
     * @throws IOException when the file cannot be opened or is not a capture file (the message says
     *     which); damage inside the file is counted, not thrown
     */
    public ImportProgress run() throws IOException {
        startNanos = System.nanoTime();
        try (PcapReader r = PcapReader.open(file)) {
            size = r.size();
            long firstPacket = Long.MIN_VALUE;
            long n = 0;
            while (!cancelled && r.next()) {
                long ts = r.timestampNanos();
                if (speed == Speed.RECORDED) {
                    if (firstPacket == Long.MIN_VALUE) {
                        firstPacket = ts;
                    }
                    pace(ts - firstPacket);
                }
                ByteBuffer p = r.packet();
                meter.offer(p, p.position(), p.remaining(), r.linkType(), ts);
                if (++n % PROGRESS_EVERY == 0) {
                    packets = n;
                    position = r.position();
                    truncated = r.truncated();
                    if (speed == Speed.RECORDED) {
                        meter.flush();
                    }
                }
            }
            packets = n;
            position = r.position();
            truncated = r.truncated();
            meter.expireAll();
        } catch (IOException e) {
            error = e.getMessage();
            throw e;
        } catch (RuntimeException e) {
            error = e.toString();
            throw e;
        } finally {
            endNanos = System.nanoTime();
            done = true;
        }
        return progress();
    }

    /** Waits until {@code offsetNanos} after the start of the import. */
    private void pace(long offsetNanos) {
        long due = startNanos + Math.max(0, offsetNanos);
        long wait;
        while (!cancelled && (wait = due - System.nanoTime()) > 0) {
            // flush what is ready before a long gap so that records do not wait for the next packet
            if (wait > 100_000_000L) {
                meter.flush();
            }
            LockSupport.parkNanos(Math.min(wait, 100_000_000L));
        }
    }

    /** Stops the import at the next packet; the sessions seen so far are still reported. */
    public void cancel() {
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    public Path file() {
        return file;
    }

    /** The meter (its counters; it must not be fed from another thread). */
    public FlowMeter meter() {
        return meter;
    }

    /** A snapshot, safe from any thread. */
    public ImportProgress progress() {
        long start = startNanos;
        long end = done ? endNanos : System.nanoTime();
        double seconds = start == 0 ? 0 : (end - start) / 1e9;
        long p = packets;
        return new ImportProgress(p, position, size, meter.records(), truncated,
                meter.notIp() + meter.truncatedPackets() + meter.malformedPackets() + meter.unknownLinkType(),
                seconds > 0 ? p / seconds : 0, done, error);
    }
}
