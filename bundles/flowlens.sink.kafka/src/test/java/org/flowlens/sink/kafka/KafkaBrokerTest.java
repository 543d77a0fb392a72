package org.flowlens.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.metrics.Sample;
import org.flowlens.pipeline.MetricsRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.event.Event;
import org.osgi.util.converter.Converters;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The sink and the source against a real Kafka broker on 127.0.0.1, started in this JVM once for
 * the class: records through Kafka and back, Kafka going away and coming back, two sources of one
 * group sharing partitions, alerts and aggregates.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaBrokerTest {
    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;

    private final MetricsRegistry metrics = new MetricsRegistry();
    private final CollectingPipeline pipeline = new CollectingPipeline();
    private final List<Runnable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new EmbeddedKafka(dir);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @AfterEach
    void close() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).run();
        }
    }

    private Map<String, Object> sinkConfig(String topic) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrapServers", kafka.bootstrap());
        c.put("recordsTopic", topic);
        c.put("aggregatesTopic", "");
        c.put("alertsTopic", "");
        c.put("lingerMs", 2);
        c.put("compression", "lz4");
        return c;
    }

    private KafkaSink sink(Map<String, Object> config) throws Exception {
        KafkaSink s = new KafkaSink(metrics, Converters.standardConverter().convert(config).to(KafkaSink.Config.class));
        cleanup.add(s::deactivate);
        return s;
    }

    private KafkaSource source(String name, String topic, String group, String format) {
        Map<String, Object> c = new HashMap<>();
        c.put("name", name);
        c.put("bootstrapServers", kafka.bootstrap());
        c.put("topics", new String[] {topic});
        c.put("groupId", group);
        c.put("format", format);
        c.put("autoOffsetReset", "earliest");
        c.put("batchSize", 500);
        KafkaSource s = new KafkaSource(pipeline, metrics, Converters.standardConverter().convert(c).to(KafkaSource.Config.class));
        cleanup.add(s::deactivate);
        return s;
    }

    /** Records numbered from {@code first} in bytes, with a spread of sources and exporters. */
    static FlowBatch batch(int first, int count) {
        FlowBatch b = new FlowBatch(count);
        long[] v6 = IpAddresses.parse("2001:db8::7");
        for (int i = first; i < first + count; i++) {
            FlowRecord r = b.next().format(i % 2 == 0 ? "netflow_v9" : "ipfix").receivedMillis(1_700_000_002_000L)
                    .startMillis(1_700_000_000_000L + i).endMillis(1_700_000_001_000L + i).exporter(0, IpAddresses.v4Lo(0x0A000000 + i % 5))
                    .srcV4(0xC0A80000 + (i % 1000)).srcPort(1024 + i % 50_000).dstPort(443).protocol(6).tcpFlags(0x1B).tos(8)
                    .bytes(i).packets(1 + i % 7).inIf(i % 48).outIf(2).srcAs(64500).dstAs(15169).srcMask(24).dstMask(16).vlan(i % 4095)
                    .samplingRate(1).observationDomain(9).direction(i % 3 == 0 ? FlowRecord.DIRECTION_EGRESS : FlowRecord.DIRECTION_INGRESS);
            if (i % 10 == 0) {
                r.dst(v6[0], v6[1]);
            } else {
                r.dstV4(0x08080808);
            }
        }
        return b;
    }

    private double metric(String name, String... labels) {
        double sum = 0;
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals(name)) {
                boolean match = true;
                for (int i = 0; i + 1 < labels.length; i += 2) {
                    match &= labels[i + 1].equals(s.label(labels[i]));
                }
                if (match) {
                    sum += s.value();
                }
            }
        }
        return sum;
    }

    /** For states no event announces (counters, assignments): polls within a bound. */
    private void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, () -> "timed out waiting for " + what + "; " + counters());
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private String counters() {
        StringBuilder b = new StringBuilder();
        for (Sample s : metrics.snapshot()) {
            if (s.name().startsWith("flowlens_kafka") && s.value() != 0) {
                b.append(s.name()).append(s.labels()).append('=').append(s.value()).append(' ');
            }
        }
        return b.toString();
    }

    private static Set<Long> ids(List<FlowRecord> records) {
        Set<Long> ids = new HashSet<>();
        for (FlowRecord r : records) {
            ids.add(r.bytes());
        }
        return ids;
    }

    private void roundTrip(String topic, String format) throws Exception {
        kafka.createTopic(topic, 2);
        Map<String, Object> c = sinkConfig(topic);
        c.put("format", format);
        KafkaSink sink = sink(c);
        source("rt-" + format, topic, "rt-" + format, "auto");
        var all = pipeline.whenTotal(3000);
        for (int i = 0; i < 3000; i += 300) {
            sink.accept(batch(i, 300));
        }
        assertTrue(all.await(60, TimeUnit.SECONDS), () -> "3000 records back from Kafka; " + counters());
        List<FlowRecord> got = pipeline.all();
        assertEquals(3000, got.size());
        Map<Long, FlowRecord> byId = new HashMap<>();
        for (FlowRecord r : got) {
            byId.put(r.bytes(), r);
        }
        FlowBatch expected = batch(0, 3000);
        for (FlowRecord e : expected) {
            FlowRecord r = byId.get(e.bytes());
            assertTrue(r != null, "record " + e.bytes());
            assertEquals(e.startMillis(), r.startMillis());
            assertEquals(e.endMillis(), r.endMillis());
            assertEquals(e.exporterLo(), r.exporterLo());
            assertEquals(e.srcLo(), r.srcLo());
            assertEquals(e.dstHi(), r.dstHi());
            assertEquals(e.dstLo(), r.dstLo());
            assertEquals(e.srcPort(), r.srcPort());
            assertEquals(e.dstPort(), r.dstPort());
            assertEquals(e.protocol(), r.protocol());
            assertEquals(e.tcpFlags(), r.tcpFlags());
            assertEquals(e.tos(), r.tos());
            assertEquals(e.packets(), r.packets());
            assertEquals(e.inIf(), r.inIf());
            assertEquals(e.outIf(), r.outIf());
            assertEquals(e.srcAs(), r.srcAs());
            assertEquals(e.dstAs(), r.dstAs());
            assertEquals(e.srcMask(), r.srcMask());
            assertEquals(e.dstMask(), r.dstMask());
            assertEquals(e.vlan(), r.vlan());
            assertEquals(e.observationDomain(), r.observationDomain());
            assertEquals(e.direction(), r.direction());
            assertEquals(e.format(), r.format());
        }
        eventually(() -> metric(SinkCounters.RECORDS) == 3000, "3000 acknowledged");
        assertEquals(0, metric(SinkCounters.DROPPED));
        assertEquals(3000, metric("flowlens_kafka_source_records_total"));
        assertEquals(0, metric("flowlens_kafka_source_invalid_records_total"));
    }

    @Test
    @Order(1)
    void jsonRecordsComeBackAsTheyWent() throws Exception {
        roundTrip("flows-json", "json");
    }

    @Test
    @Order(2)
    void protobufRecordsComeBackAsTheyWent() throws Exception {
        roundTrip("flows-protobuf", "protobuf");
    }

    @Test
    @Order(3)
    void theSourceCountsMessagesThatAreNoFlowRecord() throws Exception {
        kafka.createTopic("flows-mixed", 1);
        KafkaSource source = source("mixed", "flows-mixed", "mixed", "auto");
        Map<String, Object> cfg = Map.of("bootstrap.servers", kafka.bootstrap(), "linger.ms", 0);
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(cfg, new ByteArraySerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>("flows-mixed", "not json".getBytes(StandardCharsets.UTF_8)));
            raw.send(new ProducerRecord<>("flows-mixed", "{\"router\":\"1.2.3.4\"}".getBytes(StandardCharsets.UTF_8)));
            raw.send(new ProducerRecord<>("flows-mixed", new GoflowProtobuf().encode(batch(7, 1).get(0)).toByteArray()));
            raw.flush();
        }
        var one = pipeline.whenTotal(1);
        assertTrue(one.await(30, TimeUnit.SECONDS));
        eventually(() -> metric("flowlens_kafka_source_invalid_records_total") == 2, "two invalid messages counted");
        assertEquals(7, pipeline.all().get(0).bytes());
        assertTrue(((String) source.status().get("lastError")).contains("json:"), source.status().toString());
        assertEquals(CaptureSource.State.RUNNING, source.state());
        assertEquals("kafka:mixed", source.name());
        source.stop();
        assertEquals(CaptureSource.State.STOPPED, source.state());
    }

    @Test
    @Order(4)
    void twoSourcesInOneGroupSplitThePartitions() throws Exception {
        kafka.createTopic("flows-shared", 4);
        KafkaSource a = source("a", "flows-shared", "shared", "protobuf");
        KafkaSource b = source("b", "flows-shared", "shared", "protobuf");
        eventually(() -> partitions(a).size() + partitions(b).size() == 4 && !partitions(a).isEmpty() && !partitions(b).isEmpty(),
                "four partitions shared by two sources");
        Set<String> overlap = new HashSet<>(partitions(a));
        overlap.retainAll(partitions(b));
        assertTrue(overlap.isEmpty(), "a partition is read by one source only");
        Map<String, Object> c = sinkConfig("flows-shared");
        c.put("format", "protobuf");
        c.put("keyBy", "src_addr");
        KafkaSink sink = sink(c);
        var all = pipeline.whenTotal(4000);
        for (int i = 0; i < 4000; i += 500) {
            sink.accept(batch(i, 500));
        }
        assertTrue(all.await(60, TimeUnit.SECONDS), () -> "4000 records read; " + counters());
        Set<Long> fromA = ids(pipeline.bySource.getOrDefault("kafka:a", List.of()));
        Set<Long> fromB = ids(pipeline.bySource.getOrDefault("kafka:b", List.of()));
        assertTrue(!fromA.isEmpty() && !fromB.isEmpty(), "both sources read records: " + fromA.size() + " and " + fromB.size());
        Set<Long> both = new HashSet<>(fromA);
        both.retainAll(fromB);
        assertTrue(both.isEmpty(), "no record read twice");
        assertEquals(4000, fromA.size() + fromB.size());
    }

    @SuppressWarnings("unchecked")
    private static List<String> partitions(KafkaSource s) {
        return (List<String>) s.status().get("partitions");
    }

    @Test
    @Order(5)
    void alertsAndAggregatesGoToTheirTopics() throws Exception {
        Map<String, Object> c = sinkConfig("");
        c.put("alertsTopic", "alerts");
        c.put("aggregatesTopic", "aggregates");
        c.put("aggregateDimensions", new String[] {"src_addr", "not_a_dimension"});
        KafkaSink sink = sink(c);
        Alert alert = new Alert("portscan|10.0.0.9|1", "portscan", "10.0.0.9", Alert.Severity.WARNING, Alert.State.RAISED, 1000, 2000, 120, 100,
                "10.0.0.9 probed 120 ports", List.of(Map.of("port", 22L, "packets", 3L)));
        sink.handleEvent(new Event(AlertTopics.RAISED, Map.of(AlertTopics.ALERT, alert)));
        sink.handleEvent(new Event(AlertTopics.ACKNOWLEDGED, Map.of(AlertTopics.ALERT, alert, AlertTopics.ACKNOWLEDGED_BY, "ops",
                AlertTopics.ACKNOWLEDGED_NOTE, "known scanner", AlertTopics.ACKNOWLEDGED_MILLIS, 3000L)));
        sink.query = new FixedQueryService();
        assertEquals(2, sink.publishAggregates(), "window totals and the one configured dimension");

        List<JsonObject> alerts = read("alerts", 2);
        assertEquals("RAISED", alerts.get(0).get("event").getAsString());
        assertEquals("portscan", alerts.get(0).get("detector").getAsString());
        assertEquals(120.0, alerts.get(0).get("value").getAsDouble());
        assertEquals(22, alerts.get(0).getAsJsonArray("evidence").get(0).getAsJsonObject().get("port").getAsInt());
        assertEquals("ACKNOWLEDGED", alerts.get(1).get("event").getAsString());
        assertEquals("known scanner", alerts.get(1).get("note").getAsString());
        List<JsonObject> aggregates = read("aggregates", 2);
        assertEquals("window", aggregates.get(0).get("type").getAsString());
        assertEquals(60, aggregates.get(0).get("window_seconds").getAsInt());
        assertEquals(123456, aggregates.get(0).get("bytes").getAsLong());
        JsonObject top = aggregates.get(1);
        assertEquals("src_addr", top.get("dimension").getAsString());
        assertEquals("192.168.0.1", top.getAsJsonArray("groups").get(0).getAsJsonObject().getAsJsonObject("key").get("src_addr").getAsString());
        eventually(() -> metric(SinkCounters.MESSAGES, "result", "sent") == 4, "four messages acknowledged");
    }

    private List<JsonObject> read(String topic, int n) {
        Map<String, Object> cfg = Map.of("bootstrap.servers", kafka.bootstrap(), "group.id", "reader-" + topic, "auto.offset.reset", "earliest");
        List<JsonObject> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cfg, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(JsonParser.parseString(new String(r.value(), StandardCharsets.UTF_8)).getAsJsonObject());
                }
            }
        }
        assertEquals(n, out.size(), "messages on " + topic);
        return out;
    }

    @Test
    @Order(6)
    void whenKafkaGoesAwayRecordsAreCountedAndDeliveryResumesWhenItIsBack() throws Exception {
        kafka.createTopic("flows-outage", 2);
        Map<String, Object> c = sinkConfig("flows-outage");
        c.put("requestTimeoutMs", 1000);
        c.put("deliveryTimeoutMs", 2000);
        c.put("maxBlockMs", 300);
        c.put("compression", "none");
        KafkaSink sink = sink(c);
        source("outage", "flows-outage", "outage", "json");
        var first = pipeline.whenTotal(1000);
        sink.accept(batch(0, 1000));
        assertTrue(first.await(30, TimeUnit.SECONDS));

        kafka.stop();
        for (int i = 1000; i < 3000; i += 500) {
            sink.accept(batch(i, 500));
        }
        eventually(() -> metric(SinkCounters.RECORDS) + metric(SinkCounters.DROPPED) == 3000, "every record acknowledged or counted");
        double droppedWhileAway = metric(SinkCounters.DROPPED);
        assertTrue(droppedWhileAway > 0, "records were counted as dropped while Kafka was away");
        assertEquals(0, metric(SinkCounters.UP));

        kafka.start();
        // a stream goes on while Kafka comes back: the sink pauses a second after each failed attempt, then resumes
        var resumed = pipeline.whenTotal(1001);
        int next = 3000;
        for (int i = 0; i < 300 && !resumed.await(100, TimeUnit.MILLISECONDS); i++) {
            sink.accept(batch(next, 100));
            next += 100;
        }
        assertTrue(resumed.await(1, TimeUnit.MILLISECONDS), () -> "delivery resumed after Kafka came back; " + counters());
        FlowBatch last = batch(next, 1000);
        Set<Long> lastIds = ids(toList(last));
        sink.accept(last);
        int total = next + 1000;
        eventually(() -> ids(pipeline.all()).containsAll(lastIds), "every record sent after delivery resumed consumed");
        eventually(() -> metric(SinkCounters.RECORDS) + metric(SinkCounters.DROPPED) == total, "every record accounted for");
        assertEquals(1, metric(SinkCounters.UP));
    }

    @Test
    @Order(7)
    void withASpoolNothingIsLostWhileKafkaIsAway() throws Exception {
        kafka.createTopic("flows-spooled", 2);
        Map<String, Object> c = sinkConfig("flows-spooled");
        c.put("requestTimeoutMs", 1000);
        c.put("deliveryTimeoutMs", 2000);
        c.put("maxBlockMs", 300);
        c.put("spoolDir", dir.resolve("sink-spool").toString());
        KafkaSink sink = sink(c);
        source("spooled", "flows-spooled", "spooled", "json");
        var first = pipeline.whenTotal(500);
        sink.accept(batch(0, 500));
        assertTrue(first.await(30, TimeUnit.SECONDS));

        kafka.stop();
        for (int i = 500; i < 2500; i += 500) {
            sink.accept(batch(i, 500));
        }
        // the spool's own count moves just before the sink's counter: wait for both
        eventually(() -> metric(SinkCounters.SPOOLED) > 0 && metric(SinkCounters.SPOOL) + metric(SinkCounters.RECORDS) >= 2500
                && metric(SinkCounters.QUEUE) == 0, "records kept in the spool while Kafka is away");
        kafka.start();
        eventually(() -> ids(pipeline.all()).size() == 2500, "every record delivered after Kafka came back");
        assertEquals(0, metric(SinkCounters.DROPPED));
        eventually(() -> metric(SinkCounters.SPOOL) == 0, "an empty spool");
    }

    private static List<FlowRecord> toList(FlowBatch b) {
        List<FlowRecord> l = new ArrayList<>();
        b.forEach(l::add);
        return l;
    }
}
