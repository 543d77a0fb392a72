package org.flowlens.sink.kafka;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/** The Kafka sink's configuration, checked, with the producer properties it implies. */
record SinkSettings(String name, String recordsTopic, String aggregatesTopic, String alertsTopic, FlowCodec.Format format,
        FlowCodec.KeyBy keyBy, boolean enrichment, long bufferRecords, Path spoolDir, long spoolMaxBytes,
        long aggregatesIntervalMillis, long aggregateWindowSeconds, List<String> aggregateDimensions, int aggregateTopN,
        long deliveryTimeoutMillis, Properties producer) {

    /** @throws IllegalArgumentException naming the setting that is wrong */
    static SinkSettings of(KafkaSink.Config c) {
        String name = c.flowlens_consumer_name() == null ? "" : c.flowlens_consumer_name().trim();
        if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_' || ch == '-' || ch == '.')) {
            throw new IllegalArgumentException("flowlens.consumer.name must be 1-64 letters, digits, '.', '_' or '-'");
        }
        String records = topic("recordsTopic", c.recordsTopic());
        String aggregates = topic("aggregatesTopic", c.aggregatesTopic());
        String alerts = topic("alertsTopic", c.alertsTopic());
        if (records.isEmpty() && aggregates.isEmpty() && alerts.isEmpty()) {
            throw new IllegalArgumentException("at least one of recordsTopic, aggregatesTopic and alertsTopic must be set");
        }
        String acks = c.acks() == null ? "" : c.acks().trim().toLowerCase(Locale.ROOT);
        if (!acks.equals("0") && !acks.equals("1") && !acks.equals("all") && !acks.equals("-1")) {
            throw new IllegalArgumentException("acks must be 0, 1 or all, got " + c.acks());
        }
        range("batchSizeBytes", c.batchSizeBytes(), 0, 64 * 1024 * 1024);
        range("lingerMs", c.lingerMs(), 0, 60_000);
        range("requestTimeoutMs", c.requestTimeoutMs(), 100, 600_000);
        range("deliveryTimeoutMs", c.deliveryTimeoutMs(), (long) c.lingerMs() + c.requestTimeoutMs(), 3_600_000);
        range("maxBlockMs", c.maxBlockMs(), 0, 600_000);
        range("bufferRecords", c.bufferRecords(), 1, 100_000_000);
        range("spoolMaxMegabytes", c.spoolMaxMegabytes(), 0, 1_000_000);
        range("aggregatesIntervalSeconds", c.aggregatesIntervalSeconds(), 1, 86_400);
        range("aggregateWindowSeconds", c.aggregateWindowSeconds(), 1, 86_400 * 31);
        range("aggregateTopN", c.aggregateTopN(), 1, 10_000);
        Path spool = null;
        if (c.spoolDir() != null && !c.spoolDir().isBlank()) {
            try {
                spool = Path.of(c.spoolDir().trim());
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("spoolDir is not a valid path: " + c.spoolDir());
            }
        }
        List<String> dims = new ArrayList<>();
        for (String d : c.aggregateDimensions() == null ? new String[0] : c.aggregateDimensions()) {
            if (d != null && !d.isBlank()) {
                dims.add(d.trim());
            }
        }
        KafkaClients.Connection conn = new KafkaClients.Connection(c.bootstrapServers(), c.clientId(), c.securityProtocol(),
                c.sslTruststoreLocation(), c.sslTruststorePassword(), c.sslKeystoreLocation(), c.sslKeystorePassword(),
                c.sslKeyPassword(), c.sslEndpointIdentification(), c.saslMechanism(), c.saslUsername(), c.saslPassword(), c.properties());
        Properties p = KafkaClients.properties(conn);
        p.put("acks", acks.equals("-1") ? "all" : acks);
        p.put("compression.type", KafkaClients.compression(c.compression()));
        p.put("batch.size", Integer.toString(c.batchSizeBytes()));
        p.put("linger.ms", Integer.toString(c.lingerMs()));
        p.put("request.timeout.ms", Integer.toString(c.requestTimeoutMs()));
        p.put("delivery.timeout.ms", Integer.toString(c.deliveryTimeoutMs()));
        p.put("max.block.ms", Integer.toString(c.maxBlockMs()));
        if (!acks.equals("all") && !acks.equals("-1")) {
            // idempotence needs acks=all; say so rather than let the client refuse the configuration
            p.putIfAbsent("enable.idempotence", "false");
        }
        return new SinkSettings(name, records, aggregates, alerts, FlowCodec.Format.parse(c.format(), false), FlowCodec.KeyBy.parse(c.keyBy()),
                c.jsonEnrichment(), c.bufferRecords(), spool, c.spoolMaxMegabytes() * 1024 * 1024, c.aggregatesIntervalSeconds() * 1000L,
                c.aggregateWindowSeconds(), List.copyOf(dims), c.aggregateTopN(), c.deliveryTimeoutMs(), p);
    }

    /** Whether moving from {@code prev} to this needs a new producer (anything but the in-front buffer size). */
    boolean needsNewEngine(SinkSettings prev) {
        return !equals(new SinkSettings(prev.name, prev.recordsTopic, prev.aggregatesTopic, prev.alertsTopic, prev.format, prev.keyBy,
                prev.enrichment, bufferRecords, prev.spoolDir, prev.spoolMaxBytes, prev.aggregatesIntervalMillis,
                prev.aggregateWindowSeconds, prev.aggregateDimensions, prev.aggregateTopN, prev.deliveryTimeoutMillis, prev.producer));
    }

    private static String topic(String name, String value) {
        String t = value == null ? "" : value.trim();
        if (t.length() > 249 || !t.chars().allMatch(ch -> Character.isLetterOrDigit(ch) && ch < 128 || ch == '.' || ch == '_' || ch == '-')) {
            throw new IllegalArgumentException(name + " must be a Kafka topic name (letters, digits, '.', '_', '-'), got '" + value + "'");
        }
        return t;
    }

    private static void range(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + v);
        }
    }
}
