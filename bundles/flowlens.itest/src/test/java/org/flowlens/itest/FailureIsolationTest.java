package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.itest.plugin.ThrowingConsumer;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import aQute.bnd.osgi.Builder;
import aQute.bnd.osgi.Jar;

/**
 * A plugin bundle with three bad consumers (one throws, one blocks, one is slow) is dropped into
 * plugins/ of the running default assembly while 100 k records/s are replayed. The pipeline and the
 * other consumers must not notice: the witness gets every record, the product's consumers take part
 * throughout, the bad consumers' losses and errors are counted per consumer and shown by the
 * console, and removing the plugin (even with a consumer stuck in its code) completes and leaves
 * every record accounted for.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FailureIsolationTest {
    private static final String JAR = "misbehaving-consumers.jar";
    private static final Set<String> BAD = Set.of("itest-throwing", "itest-blocking", "itest-slow");

    @Inject
    BundleContext context;
    @Inject
    FlowPipeline pipeline;
    @Inject
    Metrics metrics;

    @Configuration
    public Option[] config() throws Exception {
        Option[] options = Assembly.defaultRuntime();
        ConsoleLog.copyTo(ConsoleLog.file());
        Ledger.consumersAtNormalPriority();
        // the plugin: the classes of org.flowlens.itest.plugin with their DS descriptors, built by bnd
        try (Builder b = new Builder()) {
            b.setProperty("Bundle-SymbolicName", "flowlens.itest.misbehaving");
            b.setProperty("Bundle-Version", "1.0.0");
            b.setProperty("Private-Package", ThrowingConsumer.class.getPackageName());
            b.setProperty("Import-Package", "!org.osgi.service.component.annotations, *");
            b.addClasspath(new File(ThrowingConsumer.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            Jar jar = b.build();
            if (!b.isOk()) {
                throw new IllegalStateException("the misbehaving plugin does not build: " + b.getErrors());
            }
            jar.write(Assembly.work().resolve(JAR).toFile());
        }
        return options;
    }

    @Test
    public void consumersThatThrowBlockOrCrawlDoNotHoldUpTheOthers() throws Exception {
        Path plugins = Assembly.work().resolve("plugins");
        try (Ledger ledger = new Ledger(context, metrics)) {
            long dropped = System.nanoTime();
            Path tmp = Files.createTempFile(Assembly.work(), "plugin", ".tmp");
            Files.copy(Assembly.work().resolve(JAR), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, plugins.resolve(JAR), StandardCopyOption.ATOMIC_MOVE);
            Await.until("the three consumers of the plugin served by the pipeline", 60_000,
                    () -> BAD.stream().allMatch(c -> !Double.isNaN(ledger.value("flowlens_consumer_queue_length", "consumer", c))));
            long installMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dropped);
            ledger.baseline();

            long sent;
            try (Replay replay = new Replay(pipeline, "isolation", ConsumerHotSwapTest.RATE, 180)) {
                Await.until("a million records at the witness", 120_000, () -> ledger.witnessed() >= 1_000_000);
                Await.until("errors of the throwing consumer counted", 30_000, () -> ledger.count("flowlens_consumer_errors_total", "consumer", "itest-throwing") > 0);
                Await.until("batches the blocked consumer lost counted", 30_000, () -> ledger.count("flowlens_consumer_dropped_records_total", "consumer", "itest-blocking") > 0);
                Await.until("batches the slow consumer lost counted", 30_000, () -> ledger.count("flowlens_consumer_dropped_records_total", "consumer", "itest-slow") > 0);
                JsonObject consumers = consumersOnTheConsole();
                assertTrue("the console shows the throwing consumer's errors: " + consumers, number(consumers, "itest-throwing", "errors") > 0);
                assertTrue("the console shows what the blocked consumer lost: " + consumers, number(consumers, "itest-blocking", "dropped_records") > 0);
                replay.close();
                sent = replay.records();
            }
            // every consumer but the blocked one accounts for everything while the plugin is still there
            Map<String, long[]> before = awaitAccounted(ledger, "itest-blocking");
            long stuckAt = System.nanoTime();
            Files.delete(plugins.resolve(JAR));
            Await.until("the plugin uninstalled, its blocked consumer included", 60_000, () -> Bundles.find(context, "flowlens.itest.misbehaving") == null);
            long removeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stuckAt);
            Map<String, long[]> accounted = ledger.awaitAccounted();

            System.out.printf("failure isolation (replay target %d records/s): %d records sent; plugin jar drop to its consumers served %d ms, removal with a blocked consumer %d ms%n  %s%n",
                    ConsumerHotSwapTest.RATE, sent, installMillis, removeMillis, ledger.report(accounted.keySet()));
            assertEquals("records handed out = records replayed", sent, ledger.handedOut());
            assertEquals("records the pipeline dropped (queue full)", 0.0, ledger.count("flowlens_pipeline_dropped_records_total"), 0.0);
            long[] witness = accounted.get(Ledger.WITNESS);
            assertEquals("the witness got every record", sent, witness[0]);
            // the product's consumers: never away, never failing, every record delivered or (when CPU
            // starvation on a loaded machine makes one fall behind) counted as dropped; the witness,
            // which costs next to nothing per record, shows that no bad consumer held the fan-out up
            for (String healthy : List.of("aggregate", "prometheus", "detect-portscan", "web-live")) {
                long[] d = accounted.get(healthy);
                assertEquals(healthy + " took part throughout: " + ledger.report(List.of(healthy)), sent, d[0] + d[1]);
                assertEquals(healthy + " failed on nothing", 0, d[3]);
            }
            assertEquals("every batch of the throwing consumer failed", 0, accounted.get("itest-throwing")[0]);
            assertTrue(accounted.get("itest-throwing")[3] > 0);
            assertTrue("the blocked consumer lost nearly everything", accounted.get("itest-blocking")[1] > sent / 2);
            assertTrue("the slow consumer lost records", accounted.get("itest-slow")[1] > 0);
            assertEquals("nothing was away while the plugin was there", 0, before.values().stream().mapToLong(d -> d[2]).sum());
        }
    }

    private static Map<String, long[]> awaitAccounted(Ledger ledger, String except) {
        Await.until("every consumer but " + except + " accounts for every record", 60_000, () -> {
            for (String c : ledger.consumers()) {
                long[] d = ledger.since(c);
                if (!c.equals(except) && d[0] + d[1] + d[2] + d[3] != ledger.handedOut()) {
                    return false;
                }
            }
            return true;
        }, () -> ledger.report(ledger.consumers()));
        Map<String, long[]> out = new java.util.TreeMap<>();
        ledger.consumers().forEach(c -> out.put(c, ledger.since(c)));
        return out;
    }

    /** The consumers as the console's Collectors page gets them (GET /api/collectors), by name. */
    private static JsonObject consumersOnTheConsole() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Assembly.HTTP_PORT + "/api/collectors")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 200, r.statusCode());
        JsonObject byName = new JsonObject();
        for (JsonElement e : JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("consumers")) {
            byName.add(e.getAsJsonObject().get("consumer").getAsString(), e);
        }
        return byName;
    }

    private static double number(JsonObject consumers, String consumer, String field) {
        JsonObject c = consumers.getAsJsonObject(consumer);
        return c == null || !c.has(field) ? 0 : c.get(field).getAsDouble();
    }
}
