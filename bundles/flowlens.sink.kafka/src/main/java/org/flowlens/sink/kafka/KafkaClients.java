package org.flowlens.sink.kafka;

import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * What the sink and the source share to reach a Kafka cluster: bootstrap servers, client id,
 * TLS and SASL settings and extra client properties, checked and turned into client properties;
 * and the class loader dance that makes kafka-clients work inside OSGi.
 */
final class KafkaClients {
    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
    /** Set by Flowlens itself: serializers are passed as objects, never as class names. */
    private static final Set<String> RESERVED = Set.of("key.serializer", "value.serializer", "key.deserializer", "value.deserializer");

    /** How to reach the cluster, from a component's configuration. */
    record Connection(String bootstrapServers, String clientId, String securityProtocol, String sslTruststoreLocation,
            String sslTruststorePassword, String sslKeystoreLocation, String sslKeystorePassword, String sslKeyPassword,
            boolean sslEndpointIdentification, String saslMechanism, String saslUsername, String saslPassword, String[] properties) {}

    private KafkaClients() {}

    /**
     * Client properties for a connection.
     *
     * @throws IllegalArgumentException naming the setting that is wrong
     */
    static Properties properties(Connection c) {
        Properties p = new Properties();
        String servers = c.bootstrapServers() == null ? "" : c.bootstrapServers().trim();
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("bootstrapServers must list at least one host:port");
        }
        for (String s : servers.split(",")) {
            String t = s.trim();
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1 || !t.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("bootstrapServers entries must be host:port, got '" + t + "'");
            }
        }
        p.put("bootstrap.servers", servers);
        if (c.clientId() != null && !c.clientId().isBlank()) {
            p.put("client.id", c.clientId().trim());
        }
        String protocol = c.securityProtocol() == null ? "PLAINTEXT" : c.securityProtocol().trim().toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("securityProtocol must be one of " + PROTOCOLS + ", got " + c.securityProtocol());
        }
        p.put("security.protocol", protocol);
        if (protocol.endsWith("SSL")) {
            putIfSet(p, "ssl.truststore.location", c.sslTruststoreLocation());
            putIfSet(p, "ssl.truststore.password", c.sslTruststorePassword());
            putIfSet(p, "ssl.keystore.location", c.sslKeystoreLocation());
            putIfSet(p, "ssl.keystore.password", c.sslKeystorePassword());
            putIfSet(p, "ssl.key.password", c.sslKeyPassword());
            p.put("ssl.endpoint.identification.algorithm", c.sslEndpointIdentification() ? "https" : "");
        }
        if (protocol.startsWith("SASL")) {
            String mechanism = c.saslMechanism() == null ? "" : c.saslMechanism().trim().toUpperCase(Locale.ROOT);
            if (!MECHANISMS.contains(mechanism)) {
                throw new IllegalArgumentException("saslMechanism must be one of " + MECHANISMS + " with " + protocol + ", got " + c.saslMechanism());
            }
            if (c.saslUsername() == null || c.saslUsername().isBlank()) {
                throw new IllegalArgumentException("saslUsername is required with " + protocol);
            }
            String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            p.put("sasl.mechanism", mechanism);
            p.put("sasl.jaas.config", module + " required username=\"" + jaasQuote(c.saslUsername()) + "\" password=\""
                    + jaasQuote(c.saslPassword() == null ? "" : c.saslPassword()) + "\";");
        }
        if (c.properties() != null) {
            for (String entry : c.properties()) {
                if (entry == null || entry.isBlank()) {
                    continue;
                }
                int eq = entry.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("properties entries must be key=value, got '" + entry + "'");
                }
                String key = entry.substring(0, eq).trim();
                if (RESERVED.contains(key)) {
                    throw new IllegalArgumentException(key + " is set by Flowlens and cannot be configured");
                }
                p.put(key, entry.substring(eq + 1).trim());
            }
        }
        return p;
    }

    /**
     * Runs {@code create} with the kafka-clients class loader as the thread context class loader:
     * kafka-clients loads configured classes (login modules, callback handlers, partitioners) and
     * starts its I/O threads, which inherit the loader, through it. Inside OSGi the context loader
     * is otherwise whatever the calling thread had.
     */
    static <T> T withKafkaLoader(Supplier<T> create) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(KafkaProducer.class.getClassLoader());
        try {
            return create.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /**
     * Checks that kafka-clients can load the codec of a compression type.
     *
     * @throws IllegalArgumentException when the type is unknown or its library is not wired
     */
    static String compression(String type) {
        String t = type == null ? "none" : type.trim().toLowerCase(Locale.ROOT);
        String probe;
        String library;
        switch (t) {
            case "none", "gzip" -> {
                return t;
            }
            case "lz4" -> {
                probe = "net.jpountz.lz4.LZ4Factory";
                library = "org.lz4:lz4-java";
            }
            case "zstd" -> {
                probe = "com.github.luben.zstd.Zstd";
                library = "com.github.luben:zstd-jni";
            }
            case "snappy" -> {
                probe = "org.xerial.snappy.Snappy";
                library = "org.xerial.snappy:snappy-java";
            }
            default -> throw new IllegalArgumentException("compression must be none, gzip, lz4, zstd or snappy, got " + type);
        }
        try {
            Class.forName(probe, false, KafkaProducer.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("compression " + t + " needs the " + library + " bundle wired to kafka-clients "
                    + "(install it, then refresh kafka-clients), or choose another compression");
        }
        return t;
    }

    private static void putIfSet(Properties p, String key, String value) {
        if (value != null && !value.isBlank()) {
            p.put(key, value.trim());
        }
    }

    private static String jaasQuote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
