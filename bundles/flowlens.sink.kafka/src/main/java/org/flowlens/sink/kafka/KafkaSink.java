package org.flowlens.sink.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Metric;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes to Kafka what Flowlens sees, for other systems: flow records (JSON of the ingest
 * format, or goflow2's protobuf message), window aggregates on a timer (when the query service is
 * there) and alerts, each to its own topic. A bounded buffer sits in front of the producer: the
 * pipeline never waits for Kafka; when Kafka is away records are dropped and counted, or spooled
 * to disk if configured, and delivery resumes when it returns. One configuration per cluster; off
 * until configured; every change applies live.
 */
@Component(service = {FlowConsumer.class, EventHandler.class, ConfigurationCheck.class}, configurationPid = KafkaSink.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {EventConstants.EVENT_TOPIC + "=" + AlertTopics.ALL, ConfigurationCheck.PID + "=" + KafkaSink.PID})
@Designate(ocd = KafkaSink.Config.class, factory = true)
public class KafkaSink implements FlowConsumer, EventHandler, ConfigurationCheck {
    static final String PID = "flowlens.kafka.sink";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    @ObjectClassDefinition(name = "Flowlens Kafka sink", description = "Publishes flow records, window aggregates and alerts to Kafka. "
            + "One configuration per cluster; off until one exists.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "The sink's name in counters and the pipeline's consumer list.")
        String flowlens_consumer_name() default "kafka";

        @AttributeDefinition(name = "Bootstrap servers", description = "host:port of one or more brokers, comma-separated.")
        String bootstrapServers() default "127.0.0.1:9092";

        @AttributeDefinition(name = "Flow records topic", description = "Where each flow record goes, one message per record; empty publishes none.")
        String recordsTopic() default "flowlens-flows";

        @AttributeDefinition(name = "Aggregates topic", description = "Where window totals and top-N lists go on a timer; empty publishes none.")
        String aggregatesTopic() default "flowlens-aggregates";

        @AttributeDefinition(name = "Alerts topic", description = "Where alert events (raised, ongoing, resolved, acknowledged) go; empty publishes none.")
        String alertsTopic() default "flowlens-alerts";

        @AttributeDefinition(name = "Record format", description = "json: the ingest format's object; protobuf: goflow2's FlowMessage, size-delimited.",
                options = {@Option(label = "JSON", value = "json"), @Option(label = "Protobuf (goflow2)", value = "protobuf")})
        String format() default "json";

        @AttributeDefinition(name = "JSON enrichment fields", description = "Add format, countries, cities, AS names and interface names to JSON records.")
        boolean jsonEnrichment() default true;

        @AttributeDefinition(name = "Message key", description = "What keys (and so partitions) records: the exporter's or the source's address, or nothing.",
                options = {@Option(label = "Exporter address", value = "exporter"), @Option(label = "Source address", value = "src_addr"),
                        @Option(label = "None", value = "none")})
        String keyBy() default "exporter";

        @AttributeDefinition(name = "Client id", description = "client.id of the producer, in the brokers' logs and quotas.")
        String clientId() default "flowlens";

        @AttributeDefinition(name = "Acks", description = "Acknowledgements a send waits for: 0, 1 (the leader) or all (every in-sync replica).",
                options = {@Option(label = "0", value = "0"), @Option(label = "1", value = "1"), @Option(label = "all", value = "all")})
        String acks() default "1";

        @AttributeDefinition(name = "Compression", description = "lz4, zstd and snappy need their library bundles next to kafka-clients.",
                options = {@Option(label = "none", value = "none"), @Option(label = "gzip", value = "gzip"), @Option(label = "lz4", value = "lz4"),
                        @Option(label = "zstd", value = "zstd"), @Option(label = "snappy", value = "snappy")})
        String compression() default "lz4";

        @AttributeDefinition(name = "Batch size (bytes)", description = "batch.size: bytes the producer collects per partition before sending.")
        int batchSizeBytes() default 65_536;

        @AttributeDefinition(name = "Linger (ms)", description = "linger.ms: how long the producer waits for a batch to fill.")
        int lingerMs() default 5;

        @AttributeDefinition(name = "Request timeout (ms)", description = "request.timeout.ms of the producer.")
        int requestTimeoutMs() default 30_000;

        @AttributeDefinition(name = "Delivery timeout (ms)", description = "delivery.timeout.ms: how long a record may wait for Kafka before it counts as failed.")
        int deliveryTimeoutMs() default 120_000;

        @AttributeDefinition(name = "Max block (ms)", description = "max.block.ms: how long the sink's sending thread waits for metadata or buffer room before it counts Kafka as away.")
        int maxBlockMs() default 1000;

        @AttributeDefinition(name = "Buffer (records)", description = "Records waiting in front of the producer; beyond it batches are dropped and counted.")
        int bufferRecords() default 100_000;

        @AttributeDefinition(name = "Spool directory", description = "When set, records Kafka cannot take go to this directory and are delivered in order "
                + "when it is back; empty drops and counts them.")
        String spoolDir() default "";

        @AttributeDefinition(name = "Spool size cap (MiB)", description = "Most the spool may take on disk; records beyond it are dropped and counted.")
        long spoolMaxMegabytes() default 256;

        @AttributeDefinition(name = "Aggregates interval (s)", description = "How often window totals and top-N lists are published.")
        int aggregatesIntervalSeconds() default 60;

        @AttributeDefinition(name = "Aggregates window (s)", description = "The window published: the configured window of this length, else the shortest.")
        int aggregateWindowSeconds() default 60;

        @AttributeDefinition(name = "Aggregate dimensions", description = "Dimensions whose top-N is published, e.g. src_addr, dst_port+protocol "
                + "(configured dimensions of the aggregator only).")
        String[] aggregateDimensions() default {"src_addr", "dst_addr", "dst_port+protocol"};

        @AttributeDefinition(name = "Aggregates top-N", description = "Groups per top-N list.")
        int aggregateTopN() default 10;

        @AttributeDefinition(name = "Security protocol", options = {@Option(label = "PLAINTEXT", value = "PLAINTEXT"), @Option(label = "SSL", value = "SSL"),
                @Option(label = "SASL_PLAINTEXT", value = "SASL_PLAINTEXT"), @Option(label = "SASL_SSL", value = "SASL_SSL")})
        String securityProtocol() default "PLAINTEXT";

        @AttributeDefinition(name = "TLS trust store", description = "Path of the trust store (JKS or PKCS12) with the brokers' CA; empty uses the JVM's.")
        String sslTruststoreLocation() default "";

        @AttributeDefinition(name = "TLS trust store password", type = AttributeType.PASSWORD)
        String sslTruststorePassword() default "";

        @AttributeDefinition(name = "TLS key store", description = "Path of the key store with this client's certificate, for mutual TLS.")
        String sslKeystoreLocation() default "";

        @AttributeDefinition(name = "TLS key store password", type = AttributeType.PASSWORD)
        String sslKeystorePassword() default "";

        @AttributeDefinition(name = "TLS key password", type = AttributeType.PASSWORD)
        String sslKeyPassword() default "";

        @AttributeDefinition(name = "Verify broker host names", description = "Check that the brokers' certificates match their host names.")
        boolean sslEndpointIdentification() default true;

        @AttributeDefinition(name = "SASL mechanism", options = {@Option(label = "PLAIN", value = "PLAIN"), @Option(label = "SCRAM-SHA-256", value = "SCRAM-SHA-256"),
                @Option(label = "SCRAM-SHA-512", value = "SCRAM-SHA-512")})
        String saslMechanism() default "PLAIN";

        @AttributeDefinition(name = "SASL user name")
        String saslUsername() default "";

        @AttributeDefinition(name = "SASL password", type = AttributeType.PASSWORD)
        String saslPassword() default "";

        @AttributeDefinition(name = "More producer properties", description = "key=value pairs passed to the producer as they are, e.g. buffer.memory=67108864.")
        String[] properties() default {};
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile FlowQueryService query;

    private final Metrics metrics;
    private final Set<String> warnedDimensions = ConcurrentHashMap.newKeySet();
    private SinkCounters counters;
    private volatile SinkEngine engine;
    private ScheduledExecutorService timer;

    @Activate
    public KafkaSink(@Reference Metrics metrics, Config config) throws IOException {
        this.metrics = metrics;
        SinkSettings s;
        try {
            s = SinkSettings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("{}: invalid configuration, the Kafka sink does not start: {}", PID, e.getMessage());
            throw e;
        }
        start(s);
    }

    /** Whether {@link #modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> SinkSettings.of(Configs.of(Config.class, properties)));
    }

    @Modified
    synchronized void modified(Config config) throws IOException {
        SinkSettings next;
        try {
            next = SinkSettings.of(config);
        } catch (IllegalArgumentException e) {
            LOG.error("{} {}: invalid configuration refused, keeping the previous one: {}", PID, engine.settings().name(), e.getMessage());
            return;
        }
        SinkEngine current = engine;
        if (!next.needsNewEngine(current.settings())) {
            current.bufferRecords(next.bufferRecords());
            return;
        }
        stop();
        start(next);
    }

    @Deactivate
    public synchronized void deactivate() {
        stop();
    }

    private synchronized void start(SinkSettings s) throws IOException {
        if (counters == null || engine == null || !engine.settings().name().equals(s.name())) {
            counters = new SinkCounters(metrics, s.name());
        }
        SinkEngine e = new SinkEngine(s, counters);
        engine = e;
        metrics.gauge(SinkCounters.QUEUE, "Records waiting in front of the Kafka producer", e::queuedRecords, "sink", s.name());
        metrics.gauge(SinkCounters.SPOOL, "Records waiting in the Kafka sink's disk spool", e::spoolRecords, "sink", s.name());
        metrics.gauge(SinkCounters.UP, "1 while Kafka takes the sink's records", () -> e.kafkaUp() ? 1 : 0, "sink", s.name());
        if (!s.aggregatesTopic().isEmpty()) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "flowlens-kafka-aggregates-" + s.name());
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(this::publishAggregatesSafely, s.aggregatesIntervalMillis(), s.aggregatesIntervalMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("Kafka sink {} publishing to {} ({}): records {} as {}, aggregates {}, alerts {}", s.name(), s.producer().get("bootstrap.servers"),
                s.producer().get("compression.type"), topicText(s.recordsTopic()), s.format().name().toLowerCase(), topicText(s.aggregatesTopic()),
                topicText(s.alertsTopic()));
    }

    private void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        SinkEngine e = engine;
        if (e != null) {
            e.close(CLOSE_TIMEOUT);
            String name = e.settings().name();
            metrics.remove(SinkCounters.QUEUE, "sink", name);
            metrics.remove(SinkCounters.SPOOL, "sink", name);
            metrics.remove(SinkCounters.UP, "sink", name);
        }
    }

    @Override
    public void accept(FlowBatch batch) {
        SinkEngine e = engine;
        if (batch.isEmpty() || e.settings().recordsTopic().isEmpty()) {
            return;
        }
        counters.received.add(batch.size());
        e.offer(batch);
    }

    /** Alert events from Event Admin: one JSON message each, keyed by the alert's id. */
    @Override
    public void handleEvent(Event event) {
        SinkEngine e = engine;
        String topic = e.settings().alertsTopic();
        Object value = event.getProperty(AlertTopics.ALERT);
        if (topic.isEmpty() || !(value instanceof Alert alert)) {
            return;
        }
        String kind = event.getTopic().substring(event.getTopic().lastIndexOf('/') + 1);
        boolean ack = AlertTopics.ACKNOWLEDGED.equals(event.getTopic());
        Object when = event.getProperty(AlertTopics.ACKNOWLEDGED_MILLIS);
        byte[] json = Payloads.alert(kind, alert, ack ? String.valueOf(event.getProperty(AlertTopics.ACKNOWLEDGED_BY)) : null,
                ack ? (String) event.getProperty(AlertTopics.ACKNOWLEDGED_NOTE) : null, when instanceof Long l ? l : null);
        byte[] key = alert.id() == null ? null : alert.id().getBytes(StandardCharsets.UTF_8);
        e.offer(new SinkEngine.Message(topic, key, json, SinkCounters.Kind.ALERT));
    }

    private void publishAggregatesSafely() {
        try {
            publishAggregates();
        } catch (RuntimeException ex) {
            LOG.warn("Kafka sink: publishing aggregates failed: {}", ex.toString());
        }
    }

    /** Totals of the chosen window and the top-N of each configured dimension; nothing without a query service. */
    int publishAggregates() {
        FlowQueryService q = query;
        SinkEngine e = engine;
        SinkSettings s = e.settings();
        if (q == null || s.aggregatesTopic().isEmpty() || q.windows().isEmpty()) {
            return 0;
        }
        Duration window = q.windows().get(0);
        for (Duration w : q.windows()) {
            if (w.toSeconds() == s.aggregateWindowSeconds()) {
                window = w;
            }
        }
        int sent = 0;
        e.offer(new SinkEngine.Message(s.aggregatesTopic(), "window".getBytes(StandardCharsets.UTF_8), Payloads.window(q.window(window)),
                SinkCounters.Kind.AGGREGATE));
        sent++;
        for (String dimension : s.aggregateDimensions()) {
            try {
                byte[] json = Payloads.top(q.top(window, dimension, Metric.BYTES, s.aggregateTopN()));
                e.offer(new SinkEngine.Message(s.aggregatesTopic(), dimension.getBytes(StandardCharsets.UTF_8), json, SinkCounters.Kind.AGGREGATE));
                sent++;
            } catch (IllegalArgumentException ex) {
                if (warnedDimensions.add(dimension)) {
                    LOG.warn("Kafka sink {}: dimension {} is not configured in the aggregator; not published: {}", s.name(), dimension, ex.getMessage());
                }
            }
        }
        return sent;
    }

    private static String topicText(String topic) {
        return topic.isEmpty() ? "off" : "to " + topic;
    }
}
