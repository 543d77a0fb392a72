package org.flowlens.itest;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Running the real exporters and collectors of the Debian packages softflowd, nfdump and pmacct:
 * finding them, running them with bounded waits, and reading their sockets' queues.
 */
final class Tools {
    private Tools() {}

    /** The executable named {@code name} on the PATH or in the sbin directories, or null. */
    static Path find(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"));
        for (String d : dirs) {
            Path p = Paths.get(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The tools among {@code names} that are missing, for a skip message. */
    private static List<String> missing(String... names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (find(n) == null) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Skips the calling test class, with a line on standard output, when one of {@code tools} is
     * missing; called outside the framework too, so that a missing tool shows as tests not run
     * rather than passed.
     */
    static void assumeInstalled(String test, String packages, String... tools) {
        List<String> missing = missing(tools);
        if (!missing.isEmpty()) {
            System.out.println(test + " skipped: " + missing + " not installed (apt-get install " + packages + ")");
        }
        org.junit.Assume.assumeTrue(missing + " not installed (apt-get install " + packages + ")", missing.isEmpty());
    }

    /** Starts {@code command} in {@code dir} with its output (and errors) going to {@code log}. */
    static Process start(Path dir, Path log, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Path exe = find(cmd.get(0));
        if (exe == null) {
            throw new IOException(cmd.get(0) + " is not installed");
        }
        cmd.set(0, exe.toString());
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Runs {@code command} to its end, at most {@code timeoutSeconds}; fails on a non-zero exit. */
    static void run(Path dir, Path log, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = start(dir, log, command);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(command[0] + " did not end within " + timeoutSeconds + " s; its log: " + tail(log));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(command[0] + " exited with " + p.exitValue() + "; its log: " + tail(log));
        }
    }

    /** Runs {@code command} to its end, at most {@code timeoutSeconds}, and returns what it printed. */
    static String output(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, command[0], ".out");
        run(dir, log, timeoutSeconds, command);
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Sends SIGINT (what the pmacct daemons take as "flush and exit"). */
    static void interrupt(Process p) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        kill.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits at most {@code timeoutSeconds} for the process to end, then kills it and fails. */
    static void awaitExit(Process p, String what, Path log, long timeoutSeconds) throws InterruptedException {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(what + " did not exit within " + timeoutSeconds + " s; its log: " + tail(log));
        }
    }

    /** Waits until the log file holds {@code text}, or fails with the log's end. */
    static void awaitLog(Process p, Path log, String text, long timeoutMillis) {
        Await.until("'" + text + "' in " + log.getFileName(), timeoutMillis, () -> {
            if (!p.isAlive()) {
                throw new AssertionError(log.getFileName() + ": the process ended: " + tail(log));
            }
            return read(log).contains(text);
        }, () -> tail(log));
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static String tail(Path log) {
        String s = read(log);
        return s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
    }

    /** A UDP port free on 127.0.0.1 right now. */
    static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Bytes waiting in the receive queues of the IPv4 UDP sockets bound to {@code port} on Linux
     * ({@code rx_queue} in /proc/net/udp), or -1 where that file does not exist.
     */
    static long receiveQueue(int port) {
        Path udp = Paths.get("/proc/net/udp");
        if (!Files.isReadable(udp)) {
            return -1;
        }
        String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        long sum = 0;
        try {
            for (String line : Files.readAllLines(udp)) {
                String[] cols = line.trim().split("\\s+");
                if (cols.length > 4 && cols[1].toUpperCase(Locale.ROOT).endsWith(suffix)) {
                    String queues = cols[4]; // tx_queue:rx_queue, hex
                    sum += Long.parseLong(queues.substring(queues.indexOf(':') + 1), 16);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }

    /** Copies a resource of the test bundle to {@code dir}/{@code name}. */
    static Path resource(String resource, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Path out = dir.resolve(name);
        try (InputStream in = Tools.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no resource " + resource + " in the test bundle");
            }
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }
}
