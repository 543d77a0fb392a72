package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;

import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * The Flowlens side of an exporter test: UDP listeners started the way an operator starts them
 * (a {@code flowlens.collector.udp-<name>.cfg} file in the watched config directory, on a free
 * loopback port), and a flow consumer that adds up what the pipeline delivers, per record format.
 */
final class Collector implements AutoCloseable {
    /** A datagram of a version no decoder claims: counted as undecodable, it marks the end of an export. */
    private static final byte[] MARKER = {0x7E, 0x57, 0, 0};
    private static final String MARKER_VERSION = Integer.toString(0x7E57);
    private static final String CONSUMER = "itest-exporters";

    private final BundleContext context;
    private final Metrics metrics;
    private final Map<String, Traffic> byFormat = new HashMap<>();
    private final ServiceRegistration<FlowConsumer> registration;

    Collector(BundleContext context, Metrics metrics) {
        this.context = context;
        this.metrics = metrics;
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(FlowConsumer.NAME, CONSUMER);
        props.put(FlowConsumer.QUEUE, 100_000);
        registration = context.registerService(FlowConsumer.class, this::accept, props);
        Await.until("the pipeline delivers to the test consumer", 30_000, () -> !Double.isNaN(value("flowlens_consumer_queue_length", "consumer", CONSUMER)));
    }

    private void accept(FlowBatch batch) {
        synchronized (byFormat) {
            for (FlowRecord r : batch) {
                byFormat.computeIfAbsent(r.format(), f -> new Traffic(true)).add(r.protocol(), 1, r.packets(), r.bytes());
            }
        }
    }

    /** Starts a listener on 127.0.0.1 and a free port, through a configuration file; returns the port. */
    int listen(String name) throws IOException {
        Path config = Assembly.work().resolve("config");
        Path tmp = Files.createTempFile(Assembly.work(), "cfg", ".tmp");
        Files.writeString(tmp, "name=\"" + name + "\"\nbindAddress=\"127.0.0.1\"\nport=I\"0\"\nreceiveBufferBytes=I\"8388608\"\n");
        Files.move(tmp, config.resolve("flowlens.collector.udp-" + name + ".cfg"), StandardCopyOption.ATOMIC_MOVE);
        int[] port = new int[1];
        Await.until("listener " + name + " running", 30_000, () -> {
            CaptureSource s = source(name);
            if (s != null && s.state() == CaptureSource.State.RUNNING && s.status().get("port") instanceof Integer p && p > 0) {
                port[0] = p;
                return true;
            }
            return false;
        });
        return port[0];
    }

    private CaptureSource source(String listener) {
        try {
            for (ServiceReference<CaptureSource> ref : context.getServiceReferences(CaptureSource.class, null)) {
                CaptureSource s = context.getService(ref);
                try {
                    if (s != null && listener.equals(s.status().get("listener"))) {
                        return s;
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    /**
     * Waits until everything the exporter sent to the listener went through the pipeline: a marker
     * datagram sent after the exporter ended is counted once its predecessors were decoded (one
     * receiver thread, in order), then the consumer has seen every record the listener decoded.
     * Returns what the consumer saw of {@code format} and forgets it for the next export.
     */
    Traffic drain(String listener, int port, String format) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.send(new DatagramPacket(MARKER, MARKER.length, InetAddress.getByName("127.0.0.1"), port));
        }
        Await.until("the end marker on " + listener, 30_000, () -> count("flowlens_collector_undecodable_datagrams_total", "listener", listener, "version", MARKER_VERSION) >= 1);
        Await.until("the records of " + listener + " delivered", 30_000,
                () -> delivered(format).flows() == (long) count("flowlens_collector_records_total", "listener", listener),
                () -> "decoded " + count("flowlens_collector_records_total", "listener", listener) + ", delivered " + delivered(format));
        assertEquals("records the pipeline dropped (queue full)", 0.0, count("flowlens_pipeline_dropped_records_total", "reason", "queue_full"), 0.0);
        assertEquals("records the test consumer lost", 0.0, count("flowlens_consumer_dropped_records_total", "consumer", CONSUMER), 0.0);
        synchronized (byFormat) {
            Traffic t = byFormat.remove(format);
            return t == null ? new Traffic(true) : t;
        }
    }

    private Traffic delivered(String format) {
        synchronized (byFormat) {
            return byFormat.getOrDefault(format, new Traffic(true));
        }
    }

    /**
     * Every datagram is accounted for: the listener received as many as the pipeline counted, none
     * was too large or dropped by the kernel, no record was dropped, and only the marker was
     * undecodable.
     */
    void assertAccounted(String listener) {
        double received = count("flowlens_udp_received_datagrams_total", "listener", listener);
        assertTrue(listener + ": datagrams received", received > 1);
        assertEquals(listener + ": datagrams the pipeline counted", received, count("flowlens_collector_datagrams_total", "listener", listener), 0.0);
        assertEquals(listener + ": oversize datagrams", 0.0, count("flowlens_udp_oversize_datagrams_total", "listener", listener), 0.0);
        assertEquals(listener + ": records dropped by the decoders " + dropReasons(listener), 0.0, count("flowlens_collector_dropped_total", "listener", listener), 0.0);
        assertEquals(listener + ": undecodable datagrams (the end marker only)", 1.0, count("flowlens_collector_undecodable_datagrams_total", "listener", listener), 0.0);
        double kernel = value("flowlens_udp_kernel_drops", "listener", listener);
        if (!Double.isNaN(kernel)) {
            assertEquals(listener + ": datagrams the kernel dropped", 0.0, kernel, 0.0);
        }
    }

    private String dropReasons(String listener) {
        StringBuilder sb = new StringBuilder();
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals("flowlens_collector_dropped_total") && listener.equals(s.label("listener")) && s.value() > 0) {
                sb.append(s.label("reason")).append('=').append((long) s.value()).append(' ');
            }
        }
        return sb.toString();
    }

    /** A counter's value: the sum of the samples of {@code name} whose labels match, 0 when there is none. */
    double count(String name, String... labels) {
        double v = value(name, labels);
        return Double.isNaN(v) ? 0 : v;
    }

    /** The sum of the samples of {@code name} whose labels match; NaN when there is none. */
    double value(String name, String... labels) {
        return Ledger.value(metrics, name, labels);
    }

    @Override
    public void close() {
        registration.unregister();
    }
}
