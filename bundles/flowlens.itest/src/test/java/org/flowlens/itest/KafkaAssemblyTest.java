package org.flowlens.itest;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.pipeline.FlowPipeline;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The Kafka sink and source inside the server assembly (runtime/server.bndrun, Felix with the
 * ServiceMix-wrapped kafka-clients), against a real Kafka 4.3.1 broker in a child JVM. Everything
 * is switched on live through Config Admin, the way a config/ file or the Web Console does it.
 * Records go into the running pipeline and are read back from the topics with a plain consumer and
 * compared field by field (JSON, and goflow2 protobuf decoded here independently of the sink's
 * codec); lz4 is checked in the broker's log segments; the broker is stopped and restarted while
 * records stream and every record is either in the topic or counted as dropped by the sink; and
 * records produced to a topic by this test show up in the runtime through the Kafka source.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KafkaAssemblyTest {
    private static final String SINK_PID = "flowlens.kafka.sink";
    private static final String SOURCE_PID = "flowlens.kafka.source";
    private static final long TIMEOUT_MS = 120_000;
    /** The exporter (and so the message key) of the records {@link #primeSink} sends; {@link #consumeAll} leaves them out. */
    private static final String MARKER_EXPORTER = "192.0.2.250";
    /** One broker for the framework's lifetime; the child JVM ends with this JVM (its input closes). */
    private static KafkaBroker broker;

    @Inject
    BundleContext context;
    @Inject
    ConfigurationAdmin configAdmin;
    @Inject
    FlowPipeline pipeline;
    @Inject
    Metrics metrics;

    @org.ops4j.pax.exam.Configuration
    public Option[] config() {
        return Assembly.of(System.getProperty("flowlens.runtimeDir", "../../runtime") + "/server.bndrun");
    }

    @Test
    public void theSinkPublishesJsonThenGoflowProtobufWithLz4AsConfiguredLive() throws Exception {
        KafkaBroker kafka = broker();
        String name = "kafka-itest-formats";
        kafka.createTopic("itest-json", 1);
        kafka.createTopic("itest-protobuf", 1);
        assertNull("the Kafka sink is off until configured", sinkService(name));

        Configuration config = configAdmin.getFactoryConfiguration(SINK_PID, "formats", "?");
        Hashtable<String, Object> props = sinkProperties(name, kafka, "itest-json");
        props.put("format", "json");
        props.put("keyBy", "exporter");
        props.put("compression", "lz4");
        config.update(props);
        try {
            long primed = primeSink(name);

            List<Flow> jsonFlows = flows(40, 1_000, "192.0.2.10");
            submit(jsonFlows);
            Await.until("40 records acknowledged by Kafka", TIMEOUT_MS, () -> counter("flowlens_kafka_sink_records_total", name) == primed + 40, () -> sinkState(name));
            List<ConsumerRecord<byte[], byte[]>> json = consumeAll(kafka, "itest-json", 40);
            assertEquals(40, json.size());
            Map<Long, Flow> byId = byId(jsonFlows);
            for (ConsumerRecord<byte[], byte[]> r : json) {
                JsonObject o = JsonParser.parseString(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
                Flow f = byId.remove(o.get("bytes").getAsLong());
                assertNotNull("a record that was sent: " + o, f);
                assertArrayEquals("keyed by the exporter's address", InetAddress.getByName(f.exporter).getAddress(), r.key());
                assertJson(f, o);
            }
            assertTrue("every record arrived once: missing " + byId.keySet(), byId.isEmpty());
            assertEquals("lz4 record batches in the broker's log", 3, compressionOfFirstBatch(kafka, "itest-json"));

            // switch format and topic live: a configuration update, not a restart
            props.put("format", "protobuf");
            props.put("recordsTopic", "itest-protobuf");
            config.update(props);
            Await.until("the sink's service properties show the new topic", TIMEOUT_MS, () -> {
                ServiceReference<FlowConsumer> ref = sinkService(name);
                return ref != null && "itest-protobuf".equals(ref.getProperty("recordsTopic"));
            });
            List<Flow> protoFlows = flows(40, 5_000, "192.0.2.11");
            submit(protoFlows);
            Await.until("80 records acknowledged by Kafka", TIMEOUT_MS, () -> counter("flowlens_kafka_sink_records_total", name) == primed + 80, () -> sinkState(name));
            List<ConsumerRecord<byte[], byte[]>> proto = consumeAll(kafka, "itest-protobuf", 40);
            assertEquals(40, proto.size());
            byId = byId(protoFlows);
            for (ConsumerRecord<byte[], byte[]> r : proto) {
                Map<Integer, Object> m = Goflow.decode(r.value());
                Flow f = byId.remove(Goflow.scaled(m, Goflow.BYTES));
                assertNotNull("a record that was sent: " + m, f);
                assertArrayEquals("keyed by the exporter's address", InetAddress.getByName(f.exporter).getAddress(), r.key());
                Goflow.assertMessage(f, m);
            }
            assertTrue("every record arrived once: missing " + byId.keySet(), byId.isEmpty());
            assertEquals("lz4 record batches in the broker's log", 3, compressionOfFirstBatch(kafka, "itest-protobuf"));
            assertEquals("nothing more went to the JSON topic", 40, consumeAll(kafka, "itest-json", 40).size());
            assertEquals(0, counter("flowlens_kafka_sink_dropped_records_total", name));
        } finally {
            config.delete();
        }
        Await.until("the Kafka sink leaves the pipeline when its configuration is deleted", TIMEOUT_MS, () -> sinkService(name) == null);
    }

    /** zstd and snappy (native libraries inside bundles) and gzip, switched live one after the other. */
    @Test
    public void theSinkCompressesWithEachCodecInsideFelix() throws Exception {
        KafkaBroker kafka = broker();
        String name = "kafka-itest-codecs";
        Configuration config = configAdmin.getFactoryConfiguration(SINK_PID, "codecs", "?");
        Hashtable<String, Object> props = sinkProperties(name, kafka, "itest-codec-none");
        props.put("format", "json");
        props.put("compression", "none");
        try {
            long sent = 0;
            long firstId = 50_000;
            // the codec ids of the record batch attributes
            Map<String, Integer> codecs = new java.util.LinkedHashMap<>();
            codecs.put("none", 0);
            codecs.put("zstd", 4);
            codecs.put("snappy", 2);
            codecs.put("gzip", 1);
            for (Map.Entry<String, Integer> codec : codecs.entrySet()) {
                String topic = "itest-codec-" + codec.getKey();
                kafka.createTopic(topic, 1);
                props.put("compression", codec.getKey());
                props.put("recordsTopic", topic);
                config.update(props);
                Await.until("the sink publishing to " + topic, TIMEOUT_MS, () -> {
                    ServiceReference<FlowConsumer> ref = sinkService(name);
                    return ref != null && topic.equals(ref.getProperty("recordsTopic"));
                }, this::sinkComponents);
                if (sent == 0) {
                    sent = primeSink(name);
                }
                List<Flow> flows = flows(20, firstId, "192.0.2.13");
                firstId += 20;
                submit(flows);
                long expected = sent += 20;
                Await.until("20 records compressed with " + codec.getKey() + " acknowledged", TIMEOUT_MS,
                        () -> counter("flowlens_kafka_sink_records_total", name) == expected, () -> sinkState(name));
                Map<Long, Flow> byId = byId(flows);
                for (ConsumerRecord<byte[], byte[]> r : consumeAll(kafka, topic, 20)) {
                    JsonObject o = JsonParser.parseString(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
                    Flow f = byId.remove(o.get("bytes").getAsLong());
                    assertNotNull(codec.getKey() + ": a record that was sent: " + o, f);
                    assertJson(f, o);
                }
                assertTrue(codec.getKey() + ": every record arrived once: missing " + byId.keySet(), byId.isEmpty());
                assertEquals(codec.getKey() + " record batches in the broker's log", (int) codec.getValue(), compressionOfFirstBatch(kafka, topic));
            }
            assertEquals(0, counter("flowlens_kafka_sink_dropped_records_total", name));
        } finally {
            config.delete();
        }
        Await.until("the Kafka sink leaves the pipeline", TIMEOUT_MS, () -> sinkService(name) == null);
    }

    @Test
    public void brokerStoppedMidStreamDeliveryResumesAndEveryLossIsCounted() throws Exception {
        KafkaBroker kafka = broker();
        String name = "kafka-itest-outage";
        String topic = "itest-outage";
        kafka.createTopic(topic, 1);
        Configuration config = configAdmin.getFactoryConfiguration(SINK_PID, "outage", "?");
        Hashtable<String, Object> props = sinkProperties(name, kafka, topic);
        props.put("format", "json");
        props.put("compression", "lz4");
        props.put("acks", "1");
        // a short delivery timeout so that records waiting for the stopped broker fail (and are counted) within the test
        props.put("requestTimeoutMs", 4000);
        props.put("deliveryTimeoutMs", 8000);
        props.put("maxBlockMs", 500);
        props.put("properties", new String[] {"reconnect.backoff.max.ms=500", "retry.backoff.ms=100"});
        config.update(props);
        AtomicBoolean streaming = new AtomicBoolean(true);
        // the stream pauses for the instant the broker is stopped (see below); the sender says when it is parked
        java.util.concurrent.Semaphore resume = new java.util.concurrent.Semaphore(0);
        AtomicBoolean pause = new AtomicBoolean();
        AtomicBoolean parked = new AtomicBoolean();
        AtomicLong nextId = new AtomicLong(100_000);
        AtomicLong submitted = new AtomicLong();
        Set<Long> submittedIds = ConcurrentHashMap.newKeySet();
        Thread sender = null;
        try {
            long primed = primeSink(name);
            sender = new Thread(() -> {
                while (streaming.get()) {
                    if (pause.get()) {
                        parked.set(true);
                        resume.acquireUninterruptibly();
                    }
                    List<Flow> batch = flows(20, nextId.getAndAdd(20), "192.0.2.12");
                    if (submitBatch(batch)) {
                        submitted.addAndGet(batch.size());
                        batch.forEach(f -> submittedIds.add(f.bytes));
                    }
                    // a steady stream of about 2000 records/s
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                }
            }, "itest-kafka-stream");
            sender.start();
            Await.until("records flowing to Kafka", TIMEOUT_MS, () -> counter("flowlens_kafka_sink_records_total", name) >= 500, () -> sinkState(name));

            // A record in flight when the broker goes away or comes back may be written without its
            // acknowledgement arriving in time: the producer reports it failed and the sink counts it
            // as dropped although it is in the topic (Kafka's at-least-once ambiguity). So that every
            // record has one certain fate, the stream pauses at those two instants until everything
            // sent is settled; it goes on while the broker is away.
            Runnable settle = () -> Await.until("every record handed to the sink delivered or counted as dropped", TIMEOUT_MS, () -> {
                long received = counter("flowlens_kafka_sink_received_records_total", name);
                return received == submitted.get() + primed && received == counter("flowlens_kafka_sink_records_total", name)
                        + counter("flowlens_kafka_sink_dropped_records_total", name) && gauge("flowlens_kafka_sink_queue_records", name) == 0;
            }, () -> sinkState(name) + " submitted=" + submitted.get());
            pause.set(true);
            Await.until("the stream paused", TIMEOUT_MS, parked::get);
            settle.run();
            assertEquals("nothing lost while Kafka was there", 0, counter("flowlens_kafka_sink_dropped_records_total", name));
            kafka.stop();
            parked.set(false);
            pause.set(false);
            resume.release();
            try {
                Await.until("records counted as dropped while Kafka is away", TIMEOUT_MS, () -> counter("flowlens_kafka_sink_dropped_records_total", name) > 0,
                        () -> sinkState(name));
                pause.set(true);
                Await.until("the stream paused", TIMEOUT_MS, parked::get);
                settle.run();
            } finally {
                kafka.start();
                parked.set(false);
                pause.set(false);
                resume.release();
            }
            long sentAtRestart = counter("flowlens_kafka_sink_records_total", name);
            long firstBytesAfterRestart = 8 * nextId.get();
            Await.until("delivery resumed after the broker came back", TIMEOUT_MS,
                    () -> counter("flowlens_kafka_sink_records_total", name) >= sentAtRestart + 500, () -> sinkState(name));
            streaming.set(false);
            sender.join(TIMEOUT_MS);
            settle.run();

            long sent = counter("flowlens_kafka_sink_records_total", name);
            long dropped = counter("flowlens_kafka_sink_dropped_records_total", name);
            List<ConsumerRecord<byte[], byte[]>> all = consumeAll(kafka, topic, sent);
            Set<Long> inTopic = new HashSet<>();
            long afterRestart = 0;
            for (ConsumerRecord<byte[], byte[]> r : all) {
                long id = JsonParser.parseString(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject().get("bytes").getAsLong();
                assertTrue("only records that were sent: " + id, submittedIds.contains(id));
                if (inTopic.add(id) && id >= firstBytesAfterRestart) {
                    afterRestart++;
                }
            }
            System.out.println("Kafka outage: " + submitted.get() + " records streamed, " + inTopic.size() + " in the topic, " + dropped
                    + " counted as dropped: " + sinkState(name));
            assertTrue("the outage lost records (no spool): " + sinkState(name), dropped > 0);
            assertEquals("records in the topic = records Kafka acknowledged", sent - primed, inTopic.size());
            assertEquals("records missing from the topic = records counted as dropped", dropped, submittedIds.size() - inTopic.size());
            assertEquals(submitted.get(), submittedIds.size());
            assertTrue("records sent after the restart are in the topic", afterRestart > 0);
        } finally {
            streaming.set(false);
            resume.release();
            if (sender != null) {
                sender.join(TIMEOUT_MS);
            }
            config.delete();
        }
        Await.until("the Kafka sink leaves the pipeline", TIMEOUT_MS, () -> sinkService(name) == null);
    }

    @Test
    public void theSourceBringsJsonAndProtobufRecordsFromATopicIntoTheRuntime() throws Exception {
        KafkaBroker kafka = broker();
        String topic = "itest-source";
        kafka.createTopic(topic, 2);
        List<Flow> jsonFlows = flows(30, 20_000, "192.0.2.77");
        List<Flow> protoFlows = flows(30, 30_000, "192.0.2.77");
        Map<Long, Flow> expected = byId(jsonFlows);
        expected.putAll(byId(protoFlows));
        Map<Long, Flow> seen = new ConcurrentHashMap<>();
        long exporter = IpAddresses.parse("192.0.2.77")[1];
        FlowConsumer collector = batch -> {
            for (FlowRecord r : batch) {
                if (r.exporterLo() == exporter && expected.containsKey(r.bytes())) {
                    seen.put(r.bytes(), Flow.of(r));
                }
            }
        };
        Hashtable<String, Object> consumerProps = new Hashtable<>();
        consumerProps.put(FlowConsumer.NAME, "itest-kafka-source-collector");
        ServiceRegistration<FlowConsumer> registration = context.registerService(FlowConsumer.class, collector, consumerProps);
        Configuration config = configAdmin.getFactoryConfiguration(SOURCE_PID, "itest", "?");
        try {
            try (KafkaProducer<byte[], byte[]> producer = withKafkaLoader(() -> new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", kafka.bootstrap(),
                    "acks", "all", "compression.type", "lz4"), new ByteArraySerializer(), new ByteArraySerializer()))) {
                for (Flow f : jsonFlows) {
                    producer.send(new ProducerRecord<>(topic, f.json().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
                for (Flow f : protoFlows) {
                    producer.send(new ProducerRecord<>(topic, Goflow.encode(f)));
                }
                producer.flush();
            }
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("name", "itest");
            props.put("bootstrapServers", kafka.bootstrap());
            props.put("topics", new String[] {topic});
            props.put("groupId", "itest-group");
            props.put("autoOffsetReset", "earliest");
            props.put("format", "auto");
            config.update(props);
            Await.until("60 records from Kafka in the pipeline", TIMEOUT_MS, () -> seen.size() == 60,
                    () -> seen.size() + " seen; source " + source("kafka:itest").map(CaptureSource::status).orElse(null));
            for (Flow f : jsonFlows) {
                f.assertSameAs(seen.get(f.bytes), false);
            }
            for (Flow f : protoFlows) {
                f.assertSameAs(seen.get(f.bytes), true);
            }
            CaptureSource source = source("kafka:itest").orElseThrow();
            assertEquals(60L, ((Number) source.status().get("records")).longValue());
            assertEquals(0L, ((Number) source.status().get("invalid")).longValue());
            assertEquals("both partitions assigned to the only member of the group", List.of(topic + "-0", topic + "-1"), source.status().get("partitions"));
            HttpResponse<String> collectors = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + Assembly.HTTP_PORT + "/api/collectors")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(collectors.body(), 200, collectors.statusCode());
            assertTrue("the console lists the source: " + collectors.body(), collectors.body().contains("\"kafka:itest\""));
        } finally {
            config.delete();
            registration.unregister();
        }
        Await.until("the Kafka source goes away with its configuration", TIMEOUT_MS, () -> source("kafka:itest").isEmpty());
    }

    /** Agents forwarding to this server show up with their last contact, what they sent and their health (the forwarder's requests). */
    @Test
    public void agentsShowUpOnTheServerWithTheirHealth() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + Assembly.HTTP_PORT;
        Await.until("the agents API", TIMEOUT_MS, () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(base + "/api/agents")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        long before = System.currentTimeMillis();
        String records = "[" + flows(3, 40_000, "192.0.2.99").stream().map(f -> f.json().toString()).collect(java.util.stream.Collectors.joining(",")) + "]";
        HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/ingest")).header("Content-Type", "application/json")
                .header("X-Flowlens-Agent", "edge-7").POST(HttpRequest.BodyPublishers.ofString(records)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(ingest.body(), 200, ingest.statusCode());
        String report = "{\"agent\":\"edge-7\",\"state\":\"catching_up\",\"time\":" + before + ",\"started\":" + (before - 60_000)
                + ",\"last_success\":" + before + ",\"records_received\":10,\"records_sent\":3,\"records_spooled\":7,\"records_dropped\":0,"
                + "\"queue_records\":0,\"spool_records\":7,\"spool_bytes\":1400,\"spool_max_bytes\":268435456,\"last_error\":\"HTTP 503\"}";
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/api/agents/health")).header("Content-Type", "application/json")
                .header("X-Flowlens-Agent", "edge-7").POST(HttpRequest.BodyPublishers.ofString(report)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(health.body(), 200, health.statusCode());

        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create(base + "/api/agents")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(list.body(), 200, list.statusCode());
        JsonObject agent = null;
        for (var e : JsonParser.parseString(list.body()).getAsJsonObject().getAsJsonArray("agents")) {
            if ("edge-7".equals(e.getAsJsonObject().get("agent").getAsString())) {
                agent = e.getAsJsonObject();
            }
        }
        assertNotNull("edge-7 is listed: " + list.body(), agent);
        assertEquals("catching_up", agent.get("status").getAsString());
        assertEquals("127.0.0.1", agent.get("address").getAsString());
        assertEquals(1, agent.get("ingest_requests").getAsLong());
        assertEquals(3, agent.get("records_accepted").getAsLong());
        assertTrue(agent.get("last_contact").getAsLong() >= before);
        assertTrue(agent.get("last_ingest").getAsLong() >= before);
        JsonObject reported = agent.getAsJsonObject("health");
        assertEquals(7, reported.get("spool_records").getAsLong());
        assertEquals(3, reported.get("records_sent").getAsLong());
        assertEquals("HTTP 503", reported.get("last_error").getAsString());
        HttpResponse<String> console = http.send(HttpRequest.newBuilder(URI.create(base + "/console/app.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue("the console's collectors page shows the agents", console.body().contains("/api/agents"));
    }

    // --- the broker, consuming, metrics

    private static synchronized KafkaBroker broker() throws IOException, InterruptedException {
        if (broker == null) {
            Path dir = Paths.get(System.getProperty("flowlens.work", "target/itest")).toAbsolutePath().resolveSibling("itest-kafka");
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                        Files.delete(p);
                    }
                }
            }
            broker = new KafkaBroker(dir);
        }
        return broker;
    }

    /** kafka-clients loads configured classes through the thread's context loader: make it the bundle's. */
    private static <T> T withKafkaLoader(Supplier<T> create) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(KafkaConsumer.class.getClassLoader());
        try {
            return create.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** Every record of a topic but the markers, all partitions from the beginning; at least {@code expected} must be there. */
    private static List<ConsumerRecord<byte[], byte[]>> consumeAll(KafkaBroker kafka, String topic, long expected) {
        Map<String, Object> props = Map.of("bootstrap.servers", kafka.bootstrap(), "enable.auto.commit", "false", "auto.offset.reset", "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = withKafkaLoader(() -> new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(60))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : consumer.beginningOffsets(partitions, Duration.ofSeconds(60)).entrySet()) {
                total += end.get(e.getKey()) - e.getValue();
            }
            assertTrue(topic + " holds " + total + " records, expected at least " + expected, total >= expected);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            byte[] marker = InetAddress.getByName(MARKER_EXPORTER).getAddress();
            long read = 0;
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (read < total) {
                assertTrue("read " + read + " of " + total + " records of " + topic, System.currentTimeMillis() < deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    if (!java.util.Arrays.equals(marker, r.key())) {
                        out.add(r);
                    }
                }
            }
            return out;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The compression codec in the attributes of the first record batch of partition 0 (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
    private static int compressionOfFirstBatch(KafkaBroker kafka, String topic) throws IOException {
        Path segment;
        try (Stream<Path> files = Files.list(kafka.partitionDir(topic, 0))) {
            segment = files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().findFirst().orElseThrow();
        }
        ByteBuffer header = ByteBuffer.allocate(23);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            while (header.hasRemaining() && ch.read(header) >= 0) {
                // a batch header: base offset (8), length (4), leader epoch (4), magic (1), crc (4), attributes (2)
            }
        }
        assertEquals("record batch format v2", 2, header.get(16));
        return header.getShort(21) & 0x7;
    }

    private Hashtable<String, Object> sinkProperties(String name, KafkaBroker kafka, String topic) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("flowlens.consumer.name", name);
        props.put("bootstrapServers", kafka.bootstrap());
        props.put("recordsTopic", topic);
        props.put("aggregatesTopic", "");
        props.put("alertsTopic", "");
        props.put("clientId", name);
        props.put("lingerMs", 5);
        return props;
    }

    /**
     * Sends marker records until one reaches the sink, and returns how many did. A sink's service
     * is registered before the pipeline has bound it (and activated it), and batches the pipeline
     * hands out in between never reach it; nothing outside the pipeline tells when it has.
     */
    private long primeSink(String name) {
        for (int attempt = 0; attempt < 60; attempt++) {
            submit(flows(1, 1, MARKER_EXPORTER));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline) {
                if (counter("flowlens_kafka_sink_received_records_total", name) > 0) {
                    // markers sent before this one either reached the sink already or never will
                    return counter("flowlens_kafka_sink_received_records_total", name);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
        }
        throw new AssertionError("no marker record reached the Kafka sink " + name + ": " + sinkState(name));
    }

    private ServiceReference<FlowConsumer> sinkService(String name) {
        try {
            Collection<ServiceReference<FlowConsumer>> refs = context.getServiceReferences(FlowConsumer.class, "(" + FlowConsumer.NAME + "=" + name + ")");
            return refs.isEmpty() ? null : refs.iterator().next();
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private java.util.Optional<CaptureSource> source(String name) {
        try {
            for (ServiceReference<CaptureSource> ref : context.getServiceReferences(CaptureSource.class, null)) {
                CaptureSource s = context.getService(ref);
                if (s != null && name.equals(s.name())) {
                    return java.util.Optional.of(s);
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        return java.util.Optional.empty();
    }

    private String sinkComponents() {
        StringBuilder b = new StringBuilder();
        try {
            for (ServiceReference<FlowConsumer> ref : context.getServiceReferences(FlowConsumer.class, null)) {
                b.append(ref.getProperty(FlowConsumer.NAME)).append(' ');
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        return "consumers: " + b;
    }

    private long counter(String metric, String sink) {
        long sum = 0;
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals(metric) && sink.equals(s.label("sink"))) {
                sum += (long) s.value();
            }
        }
        return sum;
    }

    private long gauge(String metric, String sink) {
        return counter(metric, sink);
    }

    private String sinkState(String sink) {
        StringBuilder b = new StringBuilder();
        for (Sample s : metrics.snapshot()) {
            if ((s.labels().contains(sink) || s.name().startsWith("flowlens_pipeline_") && s.type() == Sample.Type.COUNTER) && s.value() != 0) {
                b.append(s.name()).append(s.labels()).append('=').append((long) s.value()).append(' ');
            }
        }
        return b.toString();
    }

    private void submit(List<Flow> flows) {
        assertTrue("the pipeline takes the batch", submitBatch(flows));
    }

    private boolean submitBatch(List<Flow> flows) {
        FlowBatch batch = new FlowBatch(flows.size());
        for (Flow f : flows) {
            f.fill(batch.next());
        }
        return pipeline.submit(batch, "itest");
    }

    private static Map<Long, Flow> byId(List<Flow> flows) {
        Map<Long, Flow> m = new HashMap<>();
        for (Flow f : flows) {
            m.put(f.bytes, f);
        }
        return m;
    }

    /** Distinct flows, told apart by their byte count (8 × id); IPv4 and IPv6, sampled and not, both directions. */
    static List<Flow> flows(int n, long firstId, String exporter) {
        List<Flow> out = new ArrayList<>();
        long base = 1_763_000_000_000L;
        for (int i = 0; i < n; i++) {
            long id = firstId + i;
            boolean v6 = i % 3 == 2;
            // goflow2 carries sampled counts (divided by the rate): multiples of 8 keep them exact
            long rate = i % 4 == 3 ? 8 : 1;
            String src = v6 ? "2001:db8::" + Long.toHexString(id >>> 16 & 0xFFFF) + ":" + Long.toHexString(id & 0xFFFF) : "198.51.100." + (i % 250 + 1);
            String dst = v6 ? "2001:db8:1::" + Integer.toHexString(i + 1) : "203.0.113." + (i % 250 + 1);
            String nextHop = v6 ? "2001:db8::fe" : "192.0.2.254";
            out.add(new Flow(exporter, src, dst, nextHop, base + id, base + id - 60_000, base + id - 1_000, (int) (1024 + id % 60_000), i % 2 == 0 ? 443 : 53,
                    i % 2 == 0 ? 6 : 17, 8 * id, 8 * (1 + i), 1 + i % 7, 2 + i % 5, i % 2 == 0 ? 0x12 : 0, i % 8 * 4, 64_500 + i, 64_600 + i, i % 10 + 1,
                    i % 2 == 0 ? FlowRecord.DIRECTION_INGRESS : FlowRecord.DIRECTION_EGRESS, rate, v6 ? 48 : 24, v6 ? 64 : 28, 7 + i,
                    0x0200_0000_0000L + i, 0x0200_0000_1000L + i, "netflow_v9"));
        }
        return out;
    }

    /** A flow as this test sends it and expects it back. */
    static final class Flow {
        final String exporter, src, dst, nextHop, format;
        final long received, start, end, bytes, packets, srcAs, dstAs, samplingRate, observationDomain, srcMac, dstMac;
        final int srcPort, dstPort, protocol, inIf, outIf, tcpFlags, tos, vlan, direction, srcMask, dstMask;

        Flow(String exporter, String src, String dst, String nextHop, long received, long start, long end, int srcPort, int dstPort, int protocol,
                long bytes, long packets, int inIf, int outIf, int tcpFlags, int tos, long srcAs, long dstAs, int vlan, int direction, long samplingRate,
                int srcMask, int dstMask, long observationDomain, long srcMac, long dstMac, String format) {
            this.exporter = exporter;
            this.src = src;
            this.dst = dst;
            this.nextHop = nextHop;
            this.received = received;
            this.start = start;
            this.end = end;
            this.srcPort = srcPort;
            this.dstPort = dstPort;
            this.protocol = protocol;
            this.bytes = bytes;
            this.packets = packets;
            this.inIf = inIf;
            this.outIf = outIf;
            this.tcpFlags = tcpFlags;
            this.tos = tos;
            this.srcAs = srcAs;
            this.dstAs = dstAs;
            this.vlan = vlan;
            this.direction = direction;
            this.samplingRate = samplingRate;
            this.srcMask = srcMask;
            this.dstMask = dstMask;
            this.observationDomain = observationDomain;
            this.srcMac = srcMac;
            this.dstMac = dstMac;
            this.format = format;
        }

        static Flow of(FlowRecord r) {
            return new Flow(IpAddresses.format(r.exporterHi(), r.exporterLo()), IpAddresses.format(r.srcHi(), r.srcLo()),
                    IpAddresses.format(r.dstHi(), r.dstLo()), r.nextHopHi() == 0 && r.nextHopLo() == 0 ? null : IpAddresses.format(r.nextHopHi(), r.nextHopLo()),
                    r.receivedMillis(), r.startMillis(), r.endMillis(), r.srcPort(), r.dstPort(), r.protocol(), r.bytes(), r.packets(), r.inIf(), r.outIf(),
                    r.tcpFlags(), r.tos(), r.srcAs(), r.dstAs(), r.vlan(), r.direction(), r.samplingRate(), r.srcMask(), r.dstMask(), r.observationDomain(),
                    r.srcMac(), r.dstMac(), r.format());
        }

        void fill(FlowRecord r) {
            long[] a = IpAddresses.parse(exporter);
            r.exporter(a[0], a[1]);
            a = IpAddresses.parse(src);
            r.src(a[0], a[1]);
            a = IpAddresses.parse(dst);
            r.dst(a[0], a[1]);
            a = IpAddresses.parse(nextHop);
            r.nextHop(a[0], a[1]);
            r.receivedMillis(received).startMillis(start).endMillis(end).srcPort(srcPort).dstPort(dstPort).protocol(protocol).bytes(bytes).packets(packets)
                    .inIf(inIf).outIf(outIf).tcpFlags(tcpFlags).tos(tos).srcAs(srcAs).dstAs(dstAs).vlan(vlan).direction(direction).samplingRate(samplingRate)
                    .srcMask(srcMask).dstMask(dstMask).observationDomain(observationDomain).srcMac(srcMac).dstMac(dstMac).format(format);
        }

        /** The ingest format's object, as a script or another Flowlens would produce it. */
        JsonObject json() {
            JsonObject o = new JsonObject();
            o.addProperty("timestamp", received);
            o.addProperty("start", start);
            o.addProperty("end", end);
            o.addProperty("router", exporter);
            o.addProperty("src_ip", src);
            o.addProperty("src_port", srcPort);
            o.addProperty("dst_ip", dst);
            o.addProperty("dst_port", dstPort);
            o.addProperty("protocol", Protocols.name(protocol));
            o.addProperty("bytes", bytes);
            o.addProperty("packets", packets);
            o.addProperty("in_if", inIf);
            o.addProperty("out_if", outIf);
            o.addProperty("tcp_flags", tcpFlags);
            o.addProperty("tos", tos);
            o.addProperty("src_as", srcAs);
            o.addProperty("dst_as", dstAs);
            o.addProperty("vlan", vlan);
            o.addProperty("direction", direction == FlowRecord.DIRECTION_INGRESS ? "in" : "out");
            o.addProperty("sampling_rate", samplingRate);
            o.addProperty("src_mask", srcMask);
            o.addProperty("dst_mask", dstMask);
            o.addProperty("next_hop", nextHop);
            o.addProperty("observation_domain", observationDomain);
            return o;
        }

        /** Field by field; MAC addresses and the format travel in protobuf only. */
        void assertSameAs(Flow got, boolean protobuf) {
            assertNotNull("record " + bytes + " arrived", got);
            String what = "record " + bytes + ": ";
            assertEquals(what + "exporter", exporter, got.exporter);
            assertArrayEquals(what + "src", IpAddresses.parse(src), IpAddresses.parse(got.src));
            assertArrayEquals(what + "dst", IpAddresses.parse(dst), IpAddresses.parse(got.dst));
            assertArrayEquals(what + "next hop", IpAddresses.parse(nextHop), IpAddresses.parse(got.nextHop));
            if (protobuf) {
                // JSON's timestamp is the flow's time; whoever reads it records its own receive time
                assertEquals(what + "received", received, got.received);
            }
            assertEquals(what + "start", start, got.start);
            assertEquals(what + "end", end, got.end);
            assertEquals(what + "src port", srcPort, got.srcPort);
            assertEquals(what + "dst port", dstPort, got.dstPort);
            assertEquals(what + "protocol", protocol, got.protocol);
            assertEquals(what + "bytes", bytes, got.bytes);
            assertEquals(what + "packets", packets, got.packets);
            assertEquals(what + "in if", inIf, got.inIf);
            assertEquals(what + "out if", outIf, got.outIf);
            assertEquals(what + "tcp flags", tcpFlags, got.tcpFlags);
            assertEquals(what + "tos", tos, got.tos);
            assertEquals(what + "src as", srcAs, got.srcAs);
            assertEquals(what + "dst as", dstAs, got.dstAs);
            assertEquals(what + "vlan", vlan, got.vlan);
            assertEquals(what + "direction", direction, got.direction);
            assertEquals(what + "sampling rate", samplingRate, got.samplingRate);
            assertEquals(what + "src mask", srcMask, got.srcMask);
            assertEquals(what + "dst mask", dstMask, got.dstMask);
            assertEquals(what + "observation domain", observationDomain, got.observationDomain);
            if (protobuf) {
                assertEquals(what + "src mac", srcMac, got.srcMac);
                assertEquals(what + "dst mac", dstMac, got.dstMac);
                assertEquals(what + "format", format, got.format);
            }
        }
    }

    /** What the sink's JSON says about a record, field by field. */
    private static void assertJson(Flow f, JsonObject o) {
        String what = "record " + f.bytes + " " + o + ": ";
        assertEquals(what + "timestamp", f.received, o.get("timestamp").getAsLong());
        assertEquals(what + "start", f.start, o.get("start").getAsLong());
        assertEquals(what + "end", f.end, o.get("end").getAsLong());
        assertArrayEquals(what + "router", IpAddresses.parse(f.exporter), IpAddresses.parse(o.get("router").getAsString()));
        assertArrayEquals(what + "src_ip", IpAddresses.parse(f.src), IpAddresses.parse(o.get("src_ip").getAsString()));
        assertArrayEquals(what + "dst_ip", IpAddresses.parse(f.dst), IpAddresses.parse(o.get("dst_ip").getAsString()));
        assertArrayEquals(what + "next_hop", IpAddresses.parse(f.nextHop), IpAddresses.parse(o.get("next_hop").getAsString()));
        assertEquals(what + "src_port", f.srcPort, o.get("src_port").getAsInt());
        assertEquals(what + "dst_port", f.dstPort, o.get("dst_port").getAsInt());
        assertEquals(what + "protocol", Protocols.name(f.protocol), o.get("protocol").getAsString());
        assertEquals(what + "packets", f.packets, o.get("packets").getAsLong());
        assertEquals(what + "in_if", f.inIf, o.get("in_if").getAsInt());
        assertEquals(what + "out_if", f.outIf, o.get("out_if").getAsInt());
        assertEquals(what + "tcp_flags", f.tcpFlags, o.get("tcp_flags").getAsInt());
        assertEquals(what + "tos", f.tos, o.get("tos").getAsInt());
        assertEquals(what + "src_as", f.srcAs, o.get("src_as").getAsLong());
        assertEquals(what + "dst_as", f.dstAs, o.get("dst_as").getAsLong());
        assertEquals(what + "vlan", f.vlan, o.get("vlan").getAsInt());
        assertEquals(what + "direction", f.direction == FlowRecord.DIRECTION_INGRESS ? "in" : "out", o.get("direction").getAsString());
        assertEquals(what + "sampling_rate", f.samplingRate, o.get("sampling_rate").getAsLong());
        assertEquals(what + "src_mask", f.srcMask, o.get("src_mask").getAsInt());
        assertEquals(what + "dst_mask", f.dstMask, o.get("dst_mask").getAsInt());
        assertEquals(what + "observation_domain", f.observationDomain, o.get("observation_domain").getAsLong());
        assertEquals(what + "format (enrichment field)", f.format, o.get("format").getAsString());
    }

    /**
     * goflow2's {@code flowpb.FlowMessage} (size-delimited), written and read here for the fields
     * Flowlens maps, independently of the sink's own codec.
     */
    static final class Goflow {
        static final int TYPE = 1, SAMPLING_RATE = 3, SRC_ADDR = 6, DST_ADDR = 7, BYTES = 9, PACKETS = 10, SAMPLER_ADDRESS = 11, NEXT_HOP = 12,
                SRC_AS = 14, DST_AS = 15, SRC_NET = 16, DST_NET = 17, IN_IF = 18, OUT_IF = 19, PROTO = 20, SRC_PORT = 21, DST_PORT = 22, IP_TOS = 23,
                TCP_FLAGS = 26, SRC_MAC = 27, DST_MAC = 28, VLAN_ID = 29, ETYPE = 30, FLOW_DIRECTION = 42, OBSERVATION_DOMAIN_ID = 70,
                TIME_RECEIVED_NS = 110, TIME_FLOW_START_NS = 111, TIME_FLOW_END_NS = 112;
        static final int NETFLOW_V9 = 3;

        private Goflow() {}

        static Map<Integer, Object> decode(byte[] data) {
            ByteBuffer b = ByteBuffer.wrap(data);
            long length = varint(b);
            assertEquals("a size-delimited message", b.remaining(), length);
            Map<Integer, Object> m = new HashMap<>();
            while (b.hasRemaining()) {
                long key = varint(b);
                int field = (int) (key >>> 3);
                int wire = (int) (key & 7);
                if (wire == 0) {
                    assertNull("field " + field + " once", m.put(field, varint(b)));
                } else if (wire == 2) {
                    byte[] v = new byte[(int) varint(b)];
                    b.get(v);
                    assertNull("field " + field + " once", m.put(field, v));
                } else {
                    throw new AssertionError("wire type " + wire + " of field " + field + " is not used by goflow2's FlowMessage");
                }
            }
            return m;
        }

        static long scaled(Map<Integer, Object> m, int field) {
            return num(m, field) * Math.max(1, num(m, SAMPLING_RATE));
        }

        static long num(Map<Integer, Object> m, int field) {
            Object v = m.get(field);
            return v == null ? 0 : (Long) v; // proto3: absent is zero
        }

        static void assertMessage(Flow f, Map<Integer, Object> m) throws IOException {
            String what = "record " + f.bytes + ": ";
            assertEquals(what + "type", NETFLOW_V9, num(m, TYPE));
            assertEquals(what + "sampling rate", f.samplingRate, num(m, SAMPLING_RATE));
            assertArrayEquals(what + "src", InetAddress.getByName(f.src).getAddress(), (byte[]) m.get(SRC_ADDR));
            assertArrayEquals(what + "dst", InetAddress.getByName(f.dst).getAddress(), (byte[]) m.get(DST_ADDR));
            assertArrayEquals(what + "sampler", InetAddress.getByName(f.exporter).getAddress(), (byte[]) m.get(SAMPLER_ADDRESS));
            assertArrayEquals(what + "next hop", InetAddress.getByName(f.nextHop).getAddress(), (byte[]) m.get(NEXT_HOP));
            assertEquals(what + "bytes", f.bytes, scaled(m, BYTES));
            assertEquals(what + "packets", f.packets, scaled(m, PACKETS));
            assertEquals(what + "src as", f.srcAs, num(m, SRC_AS));
            assertEquals(what + "dst as", f.dstAs, num(m, DST_AS));
            assertEquals(what + "src net", f.srcMask, num(m, SRC_NET));
            assertEquals(what + "dst net", f.dstMask, num(m, DST_NET));
            assertEquals(what + "in if", f.inIf, num(m, IN_IF));
            assertEquals(what + "out if", f.outIf, num(m, OUT_IF));
            assertEquals(what + "proto", f.protocol, num(m, PROTO));
            assertEquals(what + "src port", f.srcPort, num(m, SRC_PORT));
            assertEquals(what + "dst port", f.dstPort, num(m, DST_PORT));
            assertEquals(what + "tos", f.tos, num(m, IP_TOS));
            assertEquals(what + "tcp flags", f.tcpFlags, num(m, TCP_FLAGS));
            assertEquals(what + "src mac", f.srcMac, num(m, SRC_MAC));
            assertEquals(what + "dst mac", f.dstMac, num(m, DST_MAC));
            assertEquals(what + "vlan", f.vlan, num(m, VLAN_ID));
            assertEquals(what + "etype", f.src.contains(":") ? 0x86DD : 0x0800, num(m, ETYPE));
            assertTrue(what + "direction present", m.containsKey(FLOW_DIRECTION));
            assertEquals(what + "direction", f.direction == FlowRecord.DIRECTION_INGRESS ? 0 : 1, num(m, FLOW_DIRECTION));
            assertEquals(what + "observation domain", f.observationDomain, num(m, OBSERVATION_DOMAIN_ID));
            assertEquals(what + "received", f.received * 1_000_000L, num(m, TIME_RECEIVED_NS));
            assertEquals(what + "start", f.start * 1_000_000L, num(m, TIME_FLOW_START_NS));
            assertEquals(what + "end", f.end * 1_000_000L, num(m, TIME_FLOW_END_NS));
        }

        static byte[] encode(Flow f) {
            try {
                ByteBuffer body = ByteBuffer.allocate(512);
                field(body, TYPE, NETFLOW_V9);
                field(body, SAMPLING_RATE, f.samplingRate);
                bytes(body, SRC_ADDR, InetAddress.getByName(f.src).getAddress());
                bytes(body, DST_ADDR, InetAddress.getByName(f.dst).getAddress());
                field(body, BYTES, f.bytes / f.samplingRate);
                field(body, PACKETS, f.packets / f.samplingRate);
                bytes(body, SAMPLER_ADDRESS, InetAddress.getByName(f.exporter).getAddress());
                bytes(body, NEXT_HOP, InetAddress.getByName(f.nextHop).getAddress());
                field(body, SRC_AS, f.srcAs);
                field(body, DST_AS, f.dstAs);
                field(body, SRC_NET, f.srcMask);
                field(body, DST_NET, f.dstMask);
                field(body, IN_IF, f.inIf);
                field(body, OUT_IF, f.outIf);
                field(body, PROTO, f.protocol);
                field(body, SRC_PORT, f.srcPort);
                field(body, DST_PORT, f.dstPort);
                field(body, IP_TOS, f.tos);
                field(body, TCP_FLAGS, f.tcpFlags);
                field(body, SRC_MAC, f.srcMac);
                field(body, DST_MAC, f.dstMac);
                field(body, VLAN_ID, f.vlan);
                field(body, ETYPE, f.src.contains(":") ? 0x86DD : 0x0800);
                varint(body, (long) FLOW_DIRECTION << 3);
                varint(body, f.direction == FlowRecord.DIRECTION_INGRESS ? 0 : 1);
                field(body, OBSERVATION_DOMAIN_ID, f.observationDomain);
                field(body, TIME_RECEIVED_NS, f.received * 1_000_000L);
                field(body, TIME_FLOW_START_NS, f.start * 1_000_000L);
                field(body, TIME_FLOW_END_NS, f.end * 1_000_000L);
                body.flip();
                ByteBuffer out = ByteBuffer.allocate(body.remaining() + 5);
                varint(out, body.remaining());
                out.put(body);
                return java.util.Arrays.copyOf(out.array(), out.position());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void field(ByteBuffer b, int field, long v) {
            if (v != 0) {
                varint(b, (long) field << 3);
                varint(b, v);
            }
        }

        private static void bytes(ByteBuffer b, int field, byte[] v) {
            varint(b, ((long) field << 3) | 2);
            varint(b, v.length);
            b.put(v);
        }

        private static void varint(ByteBuffer b, long v) {
            while ((v & ~0x7FL) != 0) {
                b.put((byte) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            b.put((byte) v);
        }

        private static long varint(ByteBuffer b) {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte x = b.get();
                v |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return v;
                }
            }
            throw new AssertionError("varint longer than 10 bytes");
        }
    }
}
