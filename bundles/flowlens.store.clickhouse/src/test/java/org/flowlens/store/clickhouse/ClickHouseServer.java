package org.flowlens.store.clickhouse;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * A real ClickHouse server for tests: started from Debian's {@code clickhouse-server} package (or
 * a {@code clickhouse} binary) with a configuration in {@code target/}, listening on free loopback
 * ports only, with a user {@code flow} whose password is {@code secret}. Tests skip with a message
 * when no binary is installed.
 */
final class ClickHouseServer implements AutoCloseable {
    static final String USER = "flow";
    static final String PASSWORD = "secret";
    private static final long START_TIMEOUT_MILLIS = 60_000;

    private final Process process;
    private final Path dir;
    private final int httpPort;

    private ClickHouseServer(Process process, Path dir, int httpPort) {
        this.process = process;
        this.dir = dir;
        this.httpPort = httpPort;
    }

    /** The server binary and the arguments before the configuration, or null. */
    static List<String> command() {
        String env = System.getenv("CLICKHOUSE_SERVER");
        List<String> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        candidates.add("/usr/sbin/clickhouse-server");
        candidates.add("/usr/bin/clickhouse-server");
        for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dirName.isEmpty()) {
                candidates.add(dirName + "/clickhouse-server");
            }
        }
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return List.of(c);
            }
        }
        for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path single = Path.of(dirName.isEmpty() ? "." : dirName, "clickhouse");
            if (Files.isExecutable(single)) {
                return List.of(single.toString(), "server");
            }
        }
        return null;
    }

    private static ClickHouseServer shared;

    /**
     * One server for every test class of this run, stopped when the test JVM exits; skips the
     * test when there is no binary.
     */
    static synchronized ClickHouseServer shared() throws IOException, InterruptedException {
        if (shared == null) {
            ClickHouseServer s = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "clickhouse-test-server-stop"));
            shared = s;
        }
        return shared;
    }

    /** Starts a server in a fresh directory under {@code target/}; skips the test when there is no binary. */
    static ClickHouseServer start() throws IOException, InterruptedException {
        List<String> cmd = command();
        Assumptions.assumeTrue(cmd != null, "clickhouse-server is not installed (Debian: apt-get install clickhouse-server); "
                + "ClickHouse store tests skipped");
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "clickhouse-");
        int http = freePort();
        int tcp = freePort();
        int interserver = freePort();
        Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve("log"));
        Files.createDirectories(dir.resolve("user_files"));
        Files.writeString(dir.resolve("config.xml"), """
                <?xml version="1.0"?>
                <yandex>
                  <logger><level>warning</level><log>%1$s/log/server.log</log><errorlog>%1$s/log/error.log</errorlog><console>0</console></logger>
                  <listen_host>127.0.0.1</listen_host>
                  <http_port>%2$d</http_port>
                  <tcp_port>%3$d</tcp_port>
                  <interserver_http_port>%4$d</interserver_http_port>
                  <path>%1$s/data/</path>
                  <tmp_path>%1$s/tmp/</tmp_path>
                  <user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path>
                  <mark_cache_size>134217728</mark_cache_size>
                  <uncompressed_cache_size>134217728</uncompressed_cache_size>
                  <max_server_memory_usage>2000000000</max_server_memory_usage>
                  <users_config>users.xml</users_config>
                  <default_profile>default</default_profile>
                  <default_database>default</default_database>
                  <timezone>UTC</timezone>
                </yandex>
                """.formatted(dir, http, tcp, interserver), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("users.xml"), """
                <?xml version="1.0"?>
                <yandex>
                  <profiles><default><max_memory_usage>1000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
                  <users>
                    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
                    <%1$s><password>%2$s</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></%1$s>
                  </users>
                  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
                </yandex>
                """.formatted(USER, PASSWORD), StandardCharsets.UTF_8);
        List<String> full = new ArrayList<>(cmd);
        full.add("--config-file=" + dir.resolve("config.xml"));
        Process p = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log/console.log").toFile()).start();
        ClickHouseServer server = new ClickHouseServer(p, dir, http);
        long deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000;
        while (!server.ping()) {
            if (!p.isAlive()) {
                throw new IllegalStateException("clickhouse-server exited with " + p.exitValue() + ": "
                        + Files.readString(dir.resolve("log/console.log")) + readIfExists(dir.resolve("log/error.log")));
            }
            if (System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("clickhouse-server did not answer on port " + http + " within " + START_TIMEOUT_MILLIS + " ms");
            }
            // the server is a separate process: its readiness can only be polled
            p.waitFor(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return server;
    }

    private static String readIfExists(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + httpPort);
    }

    private boolean ping() {
        try {
            HttpURLConnection c = (HttpURLConnection) url().resolve("/ping").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(1_000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    Path dir() {
        return dir;
    }
}
