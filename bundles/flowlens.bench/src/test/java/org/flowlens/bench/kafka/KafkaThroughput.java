package org.flowlens.bench.kafka;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.Totals;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.sink.kafka.EmbeddedKafka;
import org.flowlens.sink.kafka.KafkaSink;
import org.flowlens.sink.kafka.KafkaSource;
import org.osgi.util.converter.Converters;

/**
 * Publishing and consuming throughput of the Kafka sink and source against a Kafka broker started
 * in this JVM, next to a bare kafka-clients loop in the same run. Run by hand:
 *
 * <pre>
 * mvn -q -pl bundles/flowlens.bench test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.flowlens.bench.kafka.KafkaThroughput [-Dexec.args="500000 3"]
 * </pre>
 *
 * <p>Publishing: the sink (acks=1, lz4, 64 KiB batches, linger 5 ms, keyed by exporter) takes
 * pre-built batches of records and encodes them; the bare loop sends the very same keys and
 * values (read back from a warm-up run of the sink) with a producer of the same settings. Both
 * are timed from the first record to the last acknowledgement. Consuming: one Kafka source, then
 * two in one group, read the same 4-partition topic into a pipeline that only counts; timed from
 * the first record to the last.
 */
public final class KafkaThroughput {
    private static final int PARTITIONS = 4;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("flowlens-kafka-bench");
        List<FlowBatch> batches = traffic(n);
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "records per run: %d, rounds: %d, cores: %d%n", n, rounds, Runtime.getRuntime().availableProcessors()));
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir)) {
            for (String format : new String[] {"json", "protobuf"}) {
                String warm = "bench-warm-" + format;
                kafka.createTopic(warm, PARTITIONS);
                sinkRun(kafka, warm, format, batches, n);
                List<byte[][]> messages = readAll(kafka, warm, n);
                long bytes = 0;
                for (byte[][] m : messages) {
                    bytes += m[1].length;
                }
                double bestBare = 0;
                double bestSink = 0;
                for (int r = 0; r < rounds; r++) {
                    String bareTopic = "bench-bare-" + format + "-" + r;
                    String sinkTopic = "bench-sink-" + format + "-" + r;
                    kafka.createTopic(bareTopic, PARTITIONS);
                    kafka.createTopic(sinkTopic, PARTITIONS);
                    double bare = bareRun(kafka, bareTopic, messages);
                    double sink = sinkRun(kafka, sinkTopic, format, batches, n);
                    bestBare = Math.max(bestBare, bare);
                    bestSink = Math.max(bestSink, sink);
                    report.append(String.format(Locale.ROOT, "%-8s round %d: bare %,10.0f rec/s, sink %,10.0f rec/s (%.0f%%)%n", format, r, bare, sink,
                            100 * sink / bare));
                }
                report.append(String.format(Locale.ROOT, "%-8s best: bare %,10.0f rec/s, sink %,10.0f rec/s = %.0f%% of the bare client; %.0f bytes per message%n",
                        format, bestBare, bestSink, 100 * bestSink / bestBare, (double) bytes / n));

                String groupTopic = "bench-sink-" + format + "-0";
                double one = 0;
                double two = 0;
                for (int r = 0; r < rounds; r++) {
                    one = Math.max(one, consume(kafka, groupTopic, format, n, 1, "g1-" + format + "-" + r));
                    two = Math.max(two, consume(kafka, groupTopic, format, n, 2, "g2-" + format + "-" + r));
                }
                report.append(String.format(Locale.ROOT, "%-8s consumer group: 1 source %,10.0f rec/s, 2 sources %,10.0f rec/s, ratio %.2f%n", format, one, two,
                        two / one));
                System.out.print(report);
            }
        }
        System.out.println();
        System.out.print(report);
        System.exit(0);
    }

    /** Flow records with a spread of exporters, hosts and ports, in batches of 1000. */
    static List<FlowBatch> traffic(int n) {
        List<FlowBatch> batches = new ArrayList<>();
        long[] v6 = IpAddresses.parse("2001:db8::7");
        FlowBatch b = new FlowBatch(1000);
        for (int i = 0; i < n; i++) {
            FlowRecord r = b.next().format("ipfix").receivedMillis(1_700_000_002_000L + i).startMillis(1_700_000_000_000L + i)
                    .endMillis(1_700_000_001_000L + i).exporter(0, IpAddresses.v4Lo(0x0A000000 + i % 8)).srcV4(0xC0A80000 + (i * 7919) % 65536)
                    .srcPort(1024 + (i * 31) % 60_000).dstPort(i % 5 == 0 ? 53 : 443).protocol(i % 5 == 0 ? 17 : 6).tcpFlags(0x1B).tos(0)
                    .bytes(40 + (i * 13) % 1_400_000).packets(1 + i % 900).inIf(1 + i % 48).outIf(2).srcAs(64500 + i % 20).dstAs(15169)
                    .srcMask(24).dstMask(16).samplingRate(1).direction(FlowRecord.DIRECTION_INGRESS).srcCountry("DE").dstCountry("US");
            if (i % 10 == 0) {
                r.dst(v6[0], v6[1] + i % 100);
            } else {
                r.dstV4(0x08080000 + i % 256);
            }
            if (b.size() == 1000) {
                batches.add(b);
                b = new FlowBatch(1000);
            }
        }
        if (!b.isEmpty()) {
            batches.add(b);
        }
        return batches;
    }

    private static Map<String, Object> producerSettings(EmbeddedKafka kafka) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", kafka.bootstrap());
        p.put("acks", "1");
        p.put("compression.type", "lz4");
        p.put("batch.size", 65_536);
        p.put("linger.ms", 5);
        p.put("enable.idempotence", "false");
        return p;
    }

    /** The sink from the first accept to the last acknowledgement, in records per second. */
    static double sinkRun(EmbeddedKafka kafka, String topic, String format, List<FlowBatch> batches, int n) throws Exception {
        MetricsRegistry metrics = new MetricsRegistry();
        Map<String, Object> c = new HashMap<>();
        c.put("flowlens.consumer.name", "bench");
        c.put("bootstrapServers", kafka.bootstrap());
        c.put("recordsTopic", topic);
        c.put("aggregatesTopic", "");
        c.put("alertsTopic", "");
        c.put("format", format);
        c.put("acks", "1");
        c.put("compression", "lz4");
        c.put("batchSizeBytes", 65_536);
        c.put("lingerMs", 5);
        c.put("bufferRecords", n);
        c.put("keyBy", "exporter");
        KafkaSink sink = new KafkaSink(metrics, Converters.standardConverter().convert(c).to(KafkaSink.Config.class));
        Counter sent = metrics.counter("flowlens_kafka_sink_records_total", "", "sink", "bench");
        try {
            long t0 = System.nanoTime();
            for (FlowBatch b : batches) {
                sink.accept(b);
            }
            long deadline = t0 + TimeUnit.MINUTES.toNanos(5);
            while (sent.get() < n) {
                if (System.nanoTime() > deadline || dropped(metrics) > 0) {
                    throw new IllegalStateException("the sink lost records: " + sent.get() + " of " + n + " acknowledged, " + dropped(metrics) + " dropped");
                }
                TimeUnit.MILLISECONDS.sleep(1);
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            sink.deactivate();
        }
    }

    private static double dropped(MetricsRegistry metrics) {
        return metrics.snapshot().stream().filter(s -> s.name().equals("flowlens_kafka_sink_dropped_records_total")).mapToDouble(s -> s.value()).sum();
    }

    /** A bare producer sending the same keys and values, from the first send to the last acknowledgement. */
    static double bareRun(EmbeddedKafka kafka, String topic, List<byte[][]> messages) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerSettings(kafka), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.partitionsFor(topic);
            CountDownLatch done = new CountDownLatch(messages.size());
            AtomicLong failed = new AtomicLong();
            long t0 = System.nanoTime();
            for (byte[][] m : messages) {
                producer.send(new ProducerRecord<>(topic, m[0], m[1]), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                    done.countDown();
                });
            }
            if (!done.await(5, TimeUnit.MINUTES) || failed.get() > 0) {
                throw new IllegalStateException("the bare producer failed " + failed.get() + " records");
            }
            return messages.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** Every message of a topic as {key, value}. */
    static List<byte[][]> readAll(EmbeddedKafka kafka, String topic, int n) {
        Map<String, Object> c = Map.of("bootstrap.servers", kafka.bootstrap(), "group.id", "bench-reader-" + topic, "auto.offset.reset", "earliest",
                "max.poll.records", 10_000);
        List<byte[][]> out = new ArrayList<>(n);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (out.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new byte[][] {r.key(), r.value()});
                }
            }
        }
        if (out.size() != n) {
            throw new IllegalStateException("read " + out.size() + " of " + n + " messages from " + topic);
        }
        return out;
    }

    /** {@code sources} Kafka sources in one group read a topic of {@code n} records: records per second from the first to the last. */
    static double consume(EmbeddedKafka kafka, String topic, String format, int n, int sources, String group) throws Exception {
        CountingPipeline pipeline = new CountingPipeline(n);
        MetricsRegistry metrics = new MetricsRegistry();
        List<KafkaSource> started = new ArrayList<>();
        try {
            for (int i = 0; i < sources; i++) {
                Map<String, Object> c = new HashMap<>();
                c.put("name", group + "-" + i);
                c.put("bootstrapServers", kafka.bootstrap());
                c.put("topics", new String[] {topic});
                c.put("groupId", group);
                c.put("format", format);
                c.put("autoOffsetReset", "earliest");
                started.add(new KafkaSource(pipeline, metrics, Converters.standardConverter().convert(c).to(KafkaSource.Config.class)));
            }
            if (!pipeline.done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("consumed " + pipeline.count.get() + " of " + n);
            }
            return n / ((pipeline.lastNanos - pipeline.firstNanos.get()) / 1e9);
        } finally {
            for (KafkaSource s : started) {
                s.deactivate();
            }
        }
    }

    /** A pipeline that only counts what sources submit. */
    static final class CountingPipeline implements FlowPipeline {
        final AtomicLong count = new AtomicLong();
        final AtomicLong firstNanos = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        final long expected;
        volatile long lastNanos;

        CountingPipeline(long expected) {
            this.expected = expected;
        }

        @Override
        public boolean submit(FlowBatch batch, String source) {
            long now = System.nanoTime();
            firstNanos.compareAndSet(0, now);
            if (count.addAndGet(batch.size()) >= expected) {
                lastNanos = now;
                done.countDown();
            }
            return true;
        }

        @Override
        public int decode(ByteBuffer datagram, InetSocketAddress exporter, long receivedMillis, String listener) {
            return 0;
        }

        @Override
        public Totals delivered() {
            return new Totals(count.get(), 0, 0, 0, System.currentTimeMillis());
        }
    }
}
