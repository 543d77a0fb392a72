package org.flowlens.web.uitest;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * The exported runtime jar run as an operator runs it: {@code java -jar flowlens.jar} in a work
 * directory holding a copy of {@code config/} and an empty {@code plugins/}, on a free loopback
 * port that stays the same across restarts, its output in {@code flowlens.log}.
 */
final class FlowlensProcess {
    final Path jar;
    final Path work;
    final String base;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    /** Prepares the work directory (emptied first); skips the calling test when there is no runtime jar. */
    FlowlensProcess(String workName) throws IOException {
        jar = Paths.get(System.getProperty("flowlens.runtimeJar", "../../runtime/target/flowlens.jar"));
        Assumptions.assumeTrue(Files.isRegularFile(jar), "no runtime jar at " + jar + " (build the runtime module first); skipping");
        work = Paths.get("target", workName).toAbsolutePath();
        delete(work);
        Files.createDirectories(work.resolve("config"));
        Files.createDirectories(work.resolve("plugins"));
        try (Stream<Path> cfg = Files.list(Paths.get(System.getProperty("flowlens.config", "../../config")))) {
            for (Path p : (Iterable<Path>) cfg::iterator) {
                Files.copy(p, work.resolve("config").resolve(p.getFileName()));
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
    }

    /** Starts the runtime and waits for {@code /healthz}; the log of every start is appended to {@code flowlens.log}. */
    void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar",
                jar.toAbsolutePath().toString()).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("flowlens.log").toFile()));
        pb.environment().put("FLOWLENS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("FLOWLENS_HTTP_HOST", "127.0.0.1");
        pb.environment().remove("FLOWLENS_ADMIN_PASSWORD");
        process = pb.start();
        await("/healthz 200", 60_000, () -> status("/healthz") == 200);
    }

    /** Asks the runtime to end as systemd does (SIGTERM) and waits for it; returns its exit code. */
    int stop() throws InterruptedException {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(work.resolve("flowlens.log"));
    }

    /** Whether the runtime jar embeds a bundle. */
    boolean contains(String bundle) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.stream().anyMatch(e -> e.getName().startsWith("jar/" + bundle + "-"));
        }
    }

    int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) throws IOException, InterruptedException {
        return http.send(request.build(), body);
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits for a condition, failing when the runtime exits first. */
    void await(String what, long millis, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError("the runtime exited with " + process.exitValue() + " while waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + millis + " ms waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static void delete(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                List<Path> all = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
                for (Path p : all) {
                    Files.delete(p);
                }
            }
        }
    }
}
