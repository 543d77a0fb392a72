package org.flowlens.sink.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowPipeline;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes flow records (Flowlens' JSON or goflow2-compatible protobuf, one record per message)
 * from Kafka topics in a consumer group and submits them to the pipeline in batches. Several
 * Flowlens servers with the same group share the topics' partitions: this is how Flowlens scales
 * past one machine. Offsets are committed after the records were handed to the pipeline.
 */
@Component(service = {CaptureSource.class, ConfigurationCheck.class}, configurationPid = KafkaSource.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {CaptureSource.KIND + "=kafka", ConfigurationCheck.PID + "=" + KafkaSource.PID})
@Designate(ocd = KafkaSource.Config.class, factory = true)
public class KafkaSource implements CaptureSource, ConfigurationCheck {
    static final String PID = "flowlens.kafka.source";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CLOSE = Duration.ofSeconds(5);

    @ObjectClassDefinition(name = "Flowlens Kafka source", description = "Reads flow records from Kafka topics in a consumer group; servers "
            + "in the same group share the partitions. Off until configured.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "The source is listed as kafka:<name>.")
        String name() default "kafka";

        @AttributeDefinition(name = "Bootstrap servers", description = "host:port of one or more brokers, comma-separated.")
        String bootstrapServers() default "127.0.0.1:9092";

        @AttributeDefinition(name = "Topics", description = "Topics to read flow records from.")
        String[] topics() default {"flowlens-flows"};

        @AttributeDefinition(name = "Consumer group", description = "Servers with the same group share the partitions.")
        String groupId() default "flowlens";

        @AttributeDefinition(name = "Client id")
        String clientId() default "flowlens-source";

        @AttributeDefinition(name = "Record format", description = "auto tells JSON from protobuf by each message's first bytes.",
                options = {@Option(label = "Auto", value = "auto"), @Option(label = "JSON", value = "json"), @Option(label = "Protobuf (goflow2)", value = "protobuf")})
        String format() default "auto";

        @AttributeDefinition(name = "Start at", description = "Where a group without committed offsets starts: the newest or the oldest record.",
                options = {@Option(label = "Newest (latest)", value = "latest"), @Option(label = "Oldest (earliest)", value = "earliest")})
        String autoOffsetReset() default "latest";

        @AttributeDefinition(name = "Records per poll", description = "max.poll.records of the consumer.")
        int maxPollRecords() default 5000;

        @AttributeDefinition(name = "Records per batch", description = "Largest batch submitted to the pipeline (1-100000).")
        int batchSize() default 1000;

        @AttributeDefinition(name = "Start automatically", description = "Start consuming when configured; otherwise wait for a start from the console.")
        boolean autoStart() default true;

        @AttributeDefinition(name = "Security protocol", options = {@Option(label = "PLAINTEXT", value = "PLAINTEXT"), @Option(label = "SSL", value = "SSL"),
                @Option(label = "SASL_PLAINTEXT", value = "SASL_PLAINTEXT"), @Option(label = "SASL_SSL", value = "SASL_SSL")})
        String securityProtocol() default "PLAINTEXT";

        @AttributeDefinition(name = "TLS trust store", description = "Path of the trust store with the brokers' CA; empty uses the JVM's.")
        String sslTruststoreLocation() default "";

        @AttributeDefinition(name = "TLS trust store password", type = AttributeType.PASSWORD)
        String sslTruststorePassword() default "";

        @AttributeDefinition(name = "TLS key store", description = "Path of the key store with this client's certificate, for mutual TLS.")
        String sslKeystoreLocation() default "";

        @AttributeDefinition(name = "TLS key store password", type = AttributeType.PASSWORD)
        String sslKeystorePassword() default "";

        @AttributeDefinition(name = "TLS key password", type = AttributeType.PASSWORD)
        String sslKeyPassword() default "";

        @AttributeDefinition(name = "Verify broker host names")
        boolean sslEndpointIdentification() default true;

        @AttributeDefinition(name = "SASL mechanism", options = {@Option(label = "PLAIN", value = "PLAIN"), @Option(label = "SCRAM-SHA-256", value = "SCRAM-SHA-256"),
                @Option(label = "SCRAM-SHA-512", value = "SCRAM-SHA-512")})
        String saslMechanism() default "PLAIN";

        @AttributeDefinition(name = "SASL user name")
        String saslUsername() default "";

        @AttributeDefinition(name = "SASL password", type = AttributeType.PASSWORD)
        String saslPassword() default "";

        @AttributeDefinition(name = "More consumer properties", description = "key=value pairs passed to the consumer as they are.")
        String[] properties() default {};
    }

    /** The source's configuration, checked. */
    record Settings(String name, List<String> topics, FlowCodec.Format format, int batchSize, boolean autoStart, Properties consumer) {
        static Settings of(Config c) {
            String name = c.name() == null ? "" : c.name().trim();
            if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_' || ch == '-' || ch == '.')) {
                throw new IllegalArgumentException("name must be 1-64 letters, digits, '.', '_' or '-'");
            }
            List<String> topics = new ArrayList<>();
            for (String t : c.topics() == null ? new String[0] : c.topics()) {
                if (t != null && !t.isBlank()) {
                    topics.add(t.trim());
                }
            }
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("topics must name at least one topic");
            }
            if (c.groupId() == null || c.groupId().isBlank()) {
                throw new IllegalArgumentException("groupId is required");
            }
            String reset = c.autoOffsetReset() == null ? "" : c.autoOffsetReset().trim().toLowerCase(Locale.ROOT);
            if (!reset.equals("latest") && !reset.equals("earliest")) {
                throw new IllegalArgumentException("autoOffsetReset must be latest or earliest, got " + c.autoOffsetReset());
            }
            if (c.maxPollRecords() < 1 || c.maxPollRecords() > 1_000_000) {
                throw new IllegalArgumentException("maxPollRecords must be between 1 and 1000000, got " + c.maxPollRecords());
            }
            if (c.batchSize() < 1 || c.batchSize() > 100_000) {
                throw new IllegalArgumentException("batchSize must be between 1 and 100000, got " + c.batchSize());
            }
            Properties p = KafkaClients.properties(new KafkaClients.Connection(c.bootstrapServers(), c.clientId(), c.securityProtocol(),
                    c.sslTruststoreLocation(), c.sslTruststorePassword(), c.sslKeystoreLocation(), c.sslKeystorePassword(), c.sslKeyPassword(),
                    c.sslEndpointIdentification(), c.saslMechanism(), c.saslUsername(), c.saslPassword(), c.properties()));
            p.put("group.id", c.groupId().trim());
            p.put("auto.offset.reset", reset);
            p.put("enable.auto.commit", "false");
            p.put("max.poll.records", Integer.toString(c.maxPollRecords()));
            return new Settings(name, List.copyOf(topics), FlowCodec.Format.parse(c.format(), true), c.batchSize(), c.autoStart(), p);
        }
    }

    private final FlowPipeline pipeline;
    private final Metrics metrics;
    private volatile Settings settings;
    private Counter records;
    private Counter invalid;
    private Counter dropped;
    private volatile State state = State.STOPPED;
    private volatile String lastError = "";
    private volatile Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean running;
    private final Set<String> partitions = new ConcurrentSkipListSet<>();
    private volatile long batches;

    @Activate
    public KafkaSource(@Reference FlowPipeline pipeline, @Reference Metrics metrics, Config config) {
        this.pipeline = pipeline;
        this.metrics = metrics;
        try {
            settings = Settings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("{}: invalid configuration, the Kafka source does not start: {}", PID, e.getMessage());
            throw e;
        }
        counters(settings.name());
        if (settings.autoStart()) {
            start();
        }
    }

    /** Whether {@link #modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> Settings.of(Configs.of(Config.class, properties)));
    }

    @Modified
    synchronized void modified(Config config) {
        Settings next;
        try {
            next = Settings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("{} {}: invalid configuration refused, keeping the previous one: {}", PID, name(), e.getMessage());
            return;
        }
        boolean wasRunning = state != State.STOPPED;
        stop();
        if (!next.name().equals(settings.name())) {
            counters(next.name());
        }
        settings = next;
        if (wasRunning || next.autoStart()) {
            start();
        }
    }

    @Deactivate
    public void deactivate() {
        stop();
    }

    private void counters(String name) {
        String source = "kafka:" + name;
        records = metrics.counter("flowlens_kafka_source_records_total", "Flow records read from Kafka and submitted to the pipeline", "source", source);
        invalid = metrics.counter("flowlens_kafka_source_invalid_records_total", "Kafka messages that were not a valid flow record", "source", source);
        dropped = metrics.counter("flowlens_kafka_source_dropped_records_total", "Records read from Kafka that the pipeline refused (queue full)", "source", source);
    }

    @Override
    public String name() {
        return "kafka:" + settings.name();
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        state = State.RUNNING;
        Settings s = settings;
        Thread t = new Thread(() -> consumeLoop(s), "flowlens-kafka-source-" + s.name());
        t.setDaemon(true);
        thread = t;
        t.start();
        LOG.info("Kafka source {} reading {} in group {} from {}", name(), s.topics(), s.consumer().get("group.id"), s.consumer().get("bootstrap.servers"));
    }

    @Override
    public synchronized void stop() {
        Thread t = thread;
        if (t == null) {
            return;
        }
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            t.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("Kafka source {}: the consumer did not stop within 15 s", name());
        }
        thread = null;
        state = State.STOPPED;
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        Settings s = settings;
        m.put("topics", s.topics());
        m.put("group", s.consumer().get("group.id"));
        m.put("format", s.format().name().toLowerCase(Locale.ROOT));
        m.put("records", records.get());
        m.put("invalid", invalid.get());
        m.put("dropped", dropped.get());
        m.put("batches", batches);
        m.put("partitions", new ArrayList<>(new TreeSet<>(partitions)));
        m.put("lastError", lastError);
        return m;
    }

    private void consumeLoop(Settings s) {
        FlowCodec codec = new FlowCodec(s.format(), FlowCodec.KeyBy.NONE, false);
        long backoff = 1000;
        while (running) {
            KafkaConsumer<byte[], byte[]> c = null;
            try {
                c = KafkaClients.withKafkaLoader(() -> new KafkaConsumer<>(s.consumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer()));
                consumer = c;
                if (!running) {
                    break;
                }
                KafkaConsumer<byte[], byte[]> subscribed = c;
                c.subscribe(s.topics(), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                        try {
                            subscribed.commitSync(Duration.ofSeconds(5));
                        } catch (KafkaException e) {
                            LOG.debug("Kafka source {}: commit on revocation failed: {}", name(), e.toString());
                        }
                        for (TopicPartition tp : revoked) {
                            partitions.remove(tp.toString());
                        }
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                        for (TopicPartition tp : assigned) {
                            partitions.add(tp.toString());
                        }
                    }
                });
                while (running) {
                    ConsumerRecords<byte[], byte[]> polled = c.poll(POLL);
                    if (!polled.isEmpty()) {
                        submit(polled, codec, s);
                        c.commitAsync();
                    }
                    backoff = 1000;
                    state = State.RUNNING;
                }
                c.commitSync(CLOSE);
            } catch (WakeupException e) {
                // stop() asked for it
                if (running) {
                    continue;
                }
                try {
                    if (c != null) {
                        c.commitSync(CLOSE);
                    }
                } catch (KafkaException ignored) {
                    // best effort: the group will re-deliver from the last commit
                }
            } catch (KafkaException | IllegalStateException e) {
                lastError = e.toString();
                state = State.FAILED;
                LOG.warn("Kafka source {}: {}; trying again in {} ms", name(), e.toString(), backoff);
                pause(backoff);
                backoff = Math.min(30_000, backoff * 2);
            } finally {
                if (c != null) {
                    try {
                        c.close(CLOSE);
                    } catch (KafkaException e) {
                        LOG.debug("Kafka source {}: close: {}", name(), e.toString());
                    }
                }
                consumer = null;
                partitions.clear();
            }
        }
    }

    private void submit(ConsumerRecords<byte[], byte[]> polled, FlowCodec codec, Settings s) {
        long now = System.currentTimeMillis();
        FlowBatch batch = new FlowBatch(Math.min(polled.count(), s.batchSize()));
        for (ConsumerRecord<byte[], byte[]> rec : polled) {
            FlowRecord r = batch.next();
            String problem = codec.decode(rec.value(), r, now);
            if (problem != null) {
                batch.dropLast();
                invalid.increment();
                lastError = rec.topic() + "-" + rec.partition() + "@" + rec.offset() + ": " + problem;
                continue;
            }
            if (batch.size() >= s.batchSize()) {
                hand(batch);
                batch = new FlowBatch(s.batchSize());
            }
        }
        hand(batch);
    }

    private void hand(FlowBatch batch) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        batches++;
        if (pipeline.submit(batch, name())) {
            records.add(n);
        } else {
            dropped.add(n);
        }
    }

    private void pause(long millis) {
        long until = System.currentTimeMillis() + millis;
        synchronized (this) {
            long left;
            while (running && (left = until - System.currentTimeMillis()) > 0) {
                try {
                    wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
