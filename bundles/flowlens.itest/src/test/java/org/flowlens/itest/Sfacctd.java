package org.flowlens.itest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * pmacct's sFlow collector on 127.0.0.1, printing sampled packets and bytes per IP protocol to a
 * CSV file when it exits (nfdump has no sFlow collector, so pmacct is the reference for sFlow).
 */
final class Sfacctd implements AutoCloseable {
    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;

    private Sfacctd(Path dir, Path log, int port, Process process) {
        this.dir = dir;
        this.log = log;
        this.port = port;
        this.process = process;
    }

    static Sfacctd start(Path work) throws IOException {
        Path dir = work.resolve("sfacctd");
        Files.createDirectories(dir);
        Path log = dir.resolve("sfacctd.log");
        int port = Tools.freePort();
        Files.writeString(dir.resolve("sfacctd.conf"), String.join("\n",
                "daemonize: false",
                "sfacctd_ip: 127.0.0.1",
                "sfacctd_port: " + port,
                "plugins: print[p]",
                "aggregate[p]: proto",
                "print_output[p]: csv",
                "print_num_protos[p]: true",
                "print_output_file[p]: " + dir.resolve("proto.csv"),
                "print_refresh_time: 3600",
                ""));
        Process p = Tools.start(dir, log, "sfacctd", "-f", dir.resolve("sfacctd.conf").toString());
        Sfacctd s = new Sfacctd(dir, log, port, p);
        try {
            Tools.awaitLog(p, log, "waiting for sFlow data", 20_000);
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    int port() {
        return port;
    }

    /** Waits until sfacctd has read every datagram, stops it (its print plugin writes the CSV on the way out) and reads it. */
    Traffic stopAndRead() throws IOException, InterruptedException {
        Await.until("sfacctd has read every datagram", 20_000, () -> Tools.receiveQueue(port) <= 0);
        Tools.interrupt(process);
        Tools.awaitExit(process, "sfacctd", log, 30);
        Traffic t = new Traffic(false);
        Path csv = dir.resolve("proto.csv");
        if (!Files.exists(csv)) {
            return t; // nothing was received
        }
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f.length == 3) {
                t.add(Integer.parseInt(f[0].trim()), 0, Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim()));
            }
        }
        return t;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
