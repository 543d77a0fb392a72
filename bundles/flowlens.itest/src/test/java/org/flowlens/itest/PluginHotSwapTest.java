package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowPipeline;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;

/**
 * The example decoder plugin is dropped into plugins/, updated to a new version and removed while
 * datagrams of its format stream in at about 100 k records/s. Every datagram must end up decoded
 * or counted as undecodable: none may vanish.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginHotSwapTest {
    private static final String PLUGIN = "flowlens.example.textflow";
    private static final String LISTENER = "hotswap";
    private static final int RECORDS_PER_DATAGRAM = 10;
    private static final String TEXTFLOW_VERSION = Integer.toString(0x464C);

    @Inject
    BundleContext context;
    @Inject
    FlowPipeline pipeline;
    @Inject
    Metrics metrics;

    @Configuration
    public Option[] config() {
        return Assembly.defaultRuntime();
    }

    @Test
    public void aDecoderIsAddedUpdatedAndRemovedUnderLoadWithoutLosingADatagram() throws Exception {
        Path jar = pluginJar();
        Path plugins = Assembly.work().resolve("plugins");
        byte[] datagram = datagram();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        InetSocketAddress exporter = new InetSocketAddress("127.0.0.50", 9995);
        Thread sender = new Thread(() -> {
            // about 10,000 datagrams (100,000 records) per second, for at most 60 s
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long next = System.nanoTime();
            while (running.get() && System.nanoTime() < deadline) {
                for (int i = 0; i < 100; i++) {
                    pipeline.decode(ByteBuffer.wrap(datagram), exporter, System.currentTimeMillis(), LISTENER);
                    sent.incrementAndGet();
                }
                next += TimeUnit.MILLISECONDS.toNanos(10);
                LockSupport.parkNanos(next - System.nanoTime());
            }
        }, "hotswap-sender");
        sender.start();
        try {
            Await.until("datagrams counted as undecodable before the plugin exists", 20_000, () -> undecodable() > 10_000);

            CountDownLatch started = bundleEvent(BundleEvent.STARTED);
            long dropped = System.nanoTime();
            copy(jar, plugins.resolve("textflow.jar"));
            assertTrue("the plugin started", started.await(30, TimeUnit.SECONDS));
            Await.until("the first decoded record", 30_000, () -> decodedRecords() > 0);
            long firstRecordMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped);

            long beforeUpdate = decodedRecords();
            CountDownLatch updated = bundleEvent(BundleEvent.UPDATED);
            copy(Bundles.withVersion(jar, "0.2.0"), plugins.resolve("textflow.jar"));
            assertTrue("the plugin was updated", updated.await(30, TimeUnit.SECONDS));
            Await.until("records decoded by the new version", 30_000, () -> decodedRecords() > beforeUpdate + 10_000);
            assertEquals("0.2.0", bundle().getVersion().toString());

            CountDownLatch uninstalled = bundleEvent(BundleEvent.UNINSTALLED);
            long undecodableBefore = undecodable();
            Files.delete(plugins.resolve("textflow.jar"));
            assertTrue("the plugin was uninstalled", uninstalled.await(30, TimeUnit.SECONDS));
            Await.until("undecodable again", 30_000, () -> undecodable() > undecodableBefore + 10_000);

            running.set(false);
            sender.join(10_000);
            long total = sent.get();
            Await.until("every datagram accounted for", 10_000, () -> received() == total);
            long decodedDatagrams = decodedRecords() / RECORDS_PER_DATAGRAM;
            System.out.printf("hot-swap: %d datagrams sent, %d decoded, %d undecodable, %d decoder errors; jar drop to first decoded record %d ms%n",
                    total, decodedDatagrams, undecodable(), decoderErrors(), firstRecordMillis);
            assertEquals("records come in whole datagrams", 0, decodedRecords() % RECORDS_PER_DATAGRAM);
            assertEquals("sent = decoded + undecodable + decoder errors", total, decodedDatagrams + undecodable() + decoderErrors());
            assertEquals("no queue overflow", 0, value("flowlens_pipeline_dropped_records_total", "reason", "queue_full"));
        } finally {
            running.set(false);
            sender.join(10_000);
        }
    }

    private CountDownLatch bundleEvent(int type) {
        CountDownLatch latch = new CountDownLatch(1);
        BundleListener l = new BundleListener() {
            @Override
            public void bundleChanged(BundleEvent e) {
                if (e.getType() == type && PLUGIN.equals(e.getBundle().getSymbolicName())) {
                    latch.countDown();
                    context.removeBundleListener(this);
                }
            }
        };
        context.addBundleListener(l);
        return latch;
    }

    private org.osgi.framework.Bundle bundle() {
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if (PLUGIN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(PLUGIN + " is not installed");
    }

    private long undecodable() {
        return value("flowlens_collector_undecodable_datagrams_total", "listener", LISTENER, "version", TEXTFLOW_VERSION);
    }

    private long decodedRecords() {
        return value("flowlens_collector_records_total", "listener", LISTENER);
    }

    private long received() {
        return value("flowlens_collector_datagrams_total", "listener", LISTENER);
    }

    private long decoderErrors() {
        return value("flowlens_collector_dropped_total", "listener", LISTENER, "reason", "decoder_error");
    }

    private long value(String name, String... labels) {
        long sum = 0;
        for (Sample s : metrics.snapshot()) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(s.label(labels[i]));
            }
            if (match) {
                sum += (long) s.value();
            }
        }
        return sum;
    }

    private static byte[] datagram() {
        StringBuilder sb = new StringBuilder("FL1\n");
        for (int i = 0; i < RECORDS_PER_DATAGRAM; i++) {
            sb.append("192.0.2.").append(i + 1).append(" 198.51.100.7 TCP ").append(40000 + i).append(" 443 1500 3\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static Path pluginJar() throws IOException {
        Path dir = Paths.get(System.getProperty("flowlens.bundles", "target/bundles"));
        try (Stream<Path> files = Files.list(dir)) {
            Path jar = files.filter(f -> f.getFileName().toString().startsWith(PLUGIN + "-")).findFirst().orElse(null);
            assertNotNull("the example plugin jar was copied to " + dir, jar);
            return jar;
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Path tmp = Files.createTempFile(Assembly.work(), "plugin", ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
