package org.flowlens.forward;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;

/** The forwarder's configuration, checked: every value in range, URLs parsed. */
record Settings(URI ingest, URI health, String token, String agent, int batchSize, long lingerMillis, Duration timeout,
        int retries, long backoffMillis, long maxBackoffMillis, long bufferRecords, Path spoolDir, long spoolMaxBytes,
        long healthIntervalMillis) {

    /** @throws IllegalArgumentException naming the setting that is wrong */
    static Settings of(Forwarder.Config c) {
        URI ingest = httpUri("serverUrl", c.serverUrl());
        URI health = c.healthUrl().isBlank() ? ingest.resolve("/api/agents/health") : httpUri("healthUrl", c.healthUrl());
        String agent = c.agentName().isBlank() ? hostName() : c.agentName().trim();
        if (agent.length() > 128 || agent.chars().anyMatch(ch -> ch < 0x20 || ch > 0x7E)) {
            throw new IllegalArgumentException("agentName must be at most 128 printable ASCII characters");
        }
        String token = c.token() == null ? "" : c.token().trim();
        if (token.chars().anyMatch(ch -> ch <= 0x20 || ch > 0x7E)) {
            throw new IllegalArgumentException("token must be printable ASCII without spaces");
        }
        range("batchSize", c.batchSize(), 1, 100_000);
        range("lingerMs", c.lingerMs(), 0, 600_000);
        range("timeoutMs", c.timeoutMs(), 100, 600_000);
        range("retries", c.retries(), 0, 100);
        range("backoffMs", c.backoffMs(), 1, 600_000);
        range("maxBackoffMs", c.maxBackoffMs(), c.backoffMs(), 3_600_000);
        range("bufferRecords", c.bufferRecords(), 1, 100_000_000);
        range("spoolMaxMegabytes", c.spoolMaxMegabytes(), 0, 1_000_000);
        range("healthIntervalSeconds", c.healthIntervalSeconds(), 0, 86_400);
        Path dir;
        try {
            dir = Path.of(c.spoolDir());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("spoolDir is not a valid path: " + c.spoolDir());
        }
        if (c.spoolDir().isBlank()) {
            throw new IllegalArgumentException("spoolDir must name a directory");
        }
        return new Settings(ingest, health, token, agent, c.batchSize(), c.lingerMs(), Duration.ofMillis(c.timeoutMs()), c.retries(),
                c.backoffMs(), c.maxBackoffMs(), c.bufferRecords(), dir, c.spoolMaxMegabytes() * 1024 * 1024,
                c.healthIntervalSeconds() * 1000L);
    }

    private static URI httpUri(String name, String text) {
        try {
            URI u = new URI(text.trim());
            if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException(name + " must be an http:// or https:// URL with a host, got " + text);
            }
            return u;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + " is not a URL: " + text);
        }
    }

    private static void range(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + v);
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "agent";
        }
    }
}
