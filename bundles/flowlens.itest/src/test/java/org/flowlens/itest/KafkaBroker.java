package org.flowlens.itest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka 4.3.1 broker for tests that run inside the OSGi framework: Kafka's server jars
 * would clash with nothing there, but the test code runs in a bundle that cannot see them, so the
 * broker runs in a child JVM ({@link KafkaBrokerProcess}) with the classpath Maven wrote to
 * {@code flowlens.kafka.classpathFile}. It can be stopped and started again on the same port and
 * log directory.
 */
final class KafkaBroker implements AutoCloseable {
    private static final long REPLY_TIMEOUT_MS = 120_000;

    private final Process process;
    private final Writer commands;
    private final LinkedBlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final Path dir;
    private final String bootstrap;

    KafkaBroker(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir);
        String classpath = Files.readString(Paths.get(System.getProperty("flowlens.kafka.classpathFile", "target/kafka-broker.classpath"))).trim()
                + java.io.File.pathSeparator + System.getProperty("flowlens.testClasses", "target/test-classes");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-Xmx512m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
                "-cp", classpath, KafkaBrokerProcess.class.getName(), dir.toString()));
        pb.redirectError(dir.resolve("broker.log").toFile());
        process = pb.start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith(KafkaBrokerProcess.REPLY)) {
                        replies.add(line.substring(KafkaBrokerProcess.REPLY.length()));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            replies.add("error the broker process ended");
        }, "itest-kafka-broker-output");
        reader.setDaemon(true);
        reader.start();
        String ready = reply();
        if (!ready.startsWith("ready ")) {
            process.destroyForcibly();
            throw new IllegalStateException("the Kafka broker did not start: " + ready + " (see " + dir.resolve("broker.log") + ")");
        }
        bootstrap = ready.substring("ready ".length()).trim();
    }

    String bootstrap() {
        return bootstrap;
    }

    /** The directory of a partition's log segments. */
    Path partitionDir(String topic, int partition) {
        return dir.resolve("kafka-logs").resolve(topic + "-" + partition);
    }

    void stop() throws IOException, InterruptedException {
        command("stop", "stopped");
    }

    void start() throws IOException, InterruptedException {
        command("start", "started");
    }

    void createTopic(String name, int partitions) throws IOException, InterruptedException {
        command("topic " + name + " " + partitions, "created " + name);
    }

    private synchronized void command(String command, String expected) throws IOException, InterruptedException {
        commands.write(command + "\n");
        commands.flush();
        String r = reply();
        if (!r.equals(expected)) {
            throw new IllegalStateException("Kafka broker: " + command + " answered " + r + " (see " + dir.resolve("broker.log") + ")");
        }
    }

    private String reply() throws InterruptedException {
        String r = replies.poll(REPLY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new IllegalStateException("the Kafka broker did not answer within " + REPLY_TIMEOUT_MS + " ms (see " + dir.resolve("broker.log") + ")");
        }
        return r;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            commands.close();
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
