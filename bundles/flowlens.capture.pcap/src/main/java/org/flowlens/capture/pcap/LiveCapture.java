package org.flowlens.capture.pcap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.FlowMeter;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.RawPacketListener;

/**
 * Captures packets on one interface with libpcap's raw packet loop and meters them into flow
 * records. {@link #open()} opens the interface (and reports problems such as missing privileges
 * with a clear message); {@link #run()} is the capture loop, on a thread of the caller's choosing,
 * until {@link #stop()}; then every open session is reported.
 *
 * <p>Packets are parsed from the raw bytes (pcap4j's packet classes are not used: they are slower
 * and are found through the thread context class loader, which fails inside OSGi).
 */
public final class LiveCapture implements Runnable {

    /** A partial batch of records waits at most this long before it is handed on. */
    private static final long FLUSH_NANOS = 100_000_000L;
    private static final long STATS_NANOS = 1_000_000_000L;

    private final LiveCaptureOptions options;
    private final FlowMeter meter;
    private final Object progressLock = new Object();

    private volatile PcapHandle handle;
    private volatile boolean running;
    private volatile String interfaceName;
    private volatile int linkType;
    private volatile long received;
    private volatile long kernelDropped;
    private volatile long interfaceDropped;
    private volatile String lastError;
    private long nextFlush;
    private long nextStats;
    private volatile long lastReturn = System.nanoTime();
    private volatile long stopDeadline = Long.MIN_VALUE;

    private final RawPacketListener listener = new RawPacketListener() {
        @Override
        public void gotPacket(byte[] packet) {
            PcapHandle h = handle;
            Timestamp ts = h.getTimestamp();
            long nanos = ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos();
            meter.offer(ByteBuffer.wrap(packet), 0, packet.length, linkType, nanos);
            received++;
        }
    };

    /**
     * @param sink receives the records; it owns each batch it is given
     */
    public LiveCapture(LiveCaptureOptions options, MeterSettings settings, DomainTable domains, Consumer<FlowBatch> sink) {
        this.options = options;
        this.meter = new FlowMeter(settings, domains, sink);
    }

    /**
     * Opens the interface.
     *
     * @throws IOException with a message for a person: libpcap missing, no such interface, no
     *     privilege (and how to grant it), a BPF filter that does not compile
     */
    public void open() throws IOException {
        String name = options.interfaceName() == null || options.interfaceName().isBlank()
                ? CaptureTools.defaultInterface() : options.interfaceName().trim();
        interfaceName = name;
        PcapHandle h;
        try {
            PcapHandle.Builder b = new PcapHandle.Builder(name).snaplen(options.snaplen())
                    .promiscuousMode(options.promiscuous() ? PcapNetworkInterface.PromiscuousMode.PROMISCUOUS
                            : PcapNetworkInterface.PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(options.readTimeoutMillis()).immediateMode(options.immediateMode());
            if (options.bufferSizeBytes() > 0) {
                b.bufferSize(options.bufferSizeBytes());
            }
            h = b.build();
        } catch (PcapNativeException e) {
            if (CaptureTools.isPermissionError(e.getMessage())) {
                throw new IOException(CaptureTools.permissionHint(name) + " (libpcap: " + e.getMessage() + ")", e);
            }
            throw new IOException("cannot capture on " + name + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new IOException(CaptureTools.libpcapMissing(e), e);
        }
        try {
            if (options.bpfFilter() != null && !options.bpfFilter().isBlank()) {
                h.setFilter(options.bpfFilter(), BpfProgram.BpfCompileMode.OPTIMIZE);
            }
            linkType = h.getDlt().value();
        } catch (PcapNativeException | NotOpenException e) {
            h.close();
            throw new IOException("BPF filter '" + options.bpfFilter() + "' refused on " + name + ": " + e.getMessage(), e);
        }
        handle = h;
        running = true;
    }

    /** The capture loop: returns after {@link #stop()} or a capture error (see {@link #lastError()}). */
    @Override
    public void run() {
        PcapHandle h = handle;
        if (h == null) {
            throw new IllegalStateException("open() first");
        }
        nextFlush = System.nanoTime() + FLUSH_NANOS;
        nextStats = System.nanoTime() + STATS_NANOS;
        // libpcap may block in poll() until a packet comes whatever the read timeout (TPACKET_V3):
        // a ticker breaks the loop when it has been quiet, so that idle sessions still end on time
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-capture-ticker-" + interfaceName);
            t.setDaemon(true);
            return t;
        });
        long period = options.readTimeoutMillis();
        ticker.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastReturn > period * 1_000_000L) {
                breakLoop(h);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try {
            while (running || System.nanoTime() < stopDeadline) {
                int n;
                try {
                    n = h.dispatch(-1, listener);
                } catch (InterruptedException e) {
                    n = 0; // pcap_breakloop(): from the ticker or stop()
                }
                lastReturn = System.nanoTime();
                if (n < 0) {
                    lastError = "capture on " + interfaceName + " ended (pcap_dispatch returned " + n + ")";
                    break;
                }
                meter.advance(System.currentTimeMillis() * 1_000_000L);
                long now = System.nanoTime();
                if (now >= nextFlush) {
                    nextFlush = now + FLUSH_NANOS;
                    meter.flush();
                }
                if (now >= nextStats) {
                    nextStats = now + STATS_NANOS;
                    readStats(h);
                }
                synchronized (progressLock) {
                    progressLock.notifyAll();
                }
            }
        } catch (PcapNativeException | NotOpenException e) {
            lastError = "capture on " + interfaceName + " failed: " + e.getMessage();
        } finally {
            ticker.shutdownNow();
            running = false;
            readStats(h);
            meter.expireAll();
            handle = null;
            h.close();
            synchronized (progressLock) {
                progressLock.notifyAll();
            }
        }
    }

    private static void breakLoop(PcapHandle h) {
        try {
            h.breakLoop();
        } catch (NotOpenException | RuntimeException e) {
            // closed meanwhile
        }
    }

    private void readStats(PcapHandle h) {
        try {
            PcapStat s = h.getStats();
            kernelDropped = s.getNumPacketsDropped();
            interfaceDropped = s.getNumPacketsDroppedByIf();
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            // statistics are not available on every platform
        }
    }

    /**
     * Ends the loop after two read timeouts, so that the packets the kernel holds by now are still
     * read; then every open session is reported and the interface closed.
     */
    public void stop() {
        // packets sent before now may still sit in a kernel block that is handed over only when its
        // timeout ends: read on for two read timeouts (the ticker wakes the loop if all is quiet)
        stopDeadline = System.nanoTime() + Math.max(2_000_000L * options.readTimeoutMillis(), 500_000_000L);
        running = false;
    }

    public boolean isRunning() {
        return running;
    }

    /**
     * Waits until at least {@code packets} packets were captured or the loop ended.
     *
     * @return true when that many were captured
     */
    public boolean awaitPackets(long packets, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (progressLock) {
            while (received < packets && running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                progressLock.wait(Math.max(1, left / 1_000_000L));
            }
        }
        return received >= packets;
    }

    /** New meter settings, applied by the capture thread at its next packet or timeout. */
    public void reconfigure(MeterSettings settings) {
        meter.reconfigure(settings);
    }

    public LiveCaptureOptions options() {
        return options;
    }

    /** The interface captured (resolved by {@link #open()} when none was configured). */
    public String interfaceName() {
        return interfaceName;
    }

    public FlowMeter meter() {
        return meter;
    }

    public String lastError() {
        return lastError;
    }

    /** Packets received from libpcap. */
    public long received() {
        return received;
    }

    /** Packets the kernel dropped because the capture buffer was full (pcap statistics). */
    public long kernelDropped() {
        return kernelDropped;
    }

    /** Counters for the console. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("interface", interfaceName);
        m.put("link_type", linkType);
        m.put("running", running);
        m.put("received", received);
        m.put("dropped_kernel", kernelDropped);
        m.put("dropped_interface", interfaceDropped);
        m.put("undecodable", meter.notIp() + meter.truncatedPackets() + meter.malformedPackets() + meter.unknownLinkType());
        m.putAll(meter.counters());
        if (lastError != null) {
            m.put("error", lastError);
        }
        return m;
    }
}
