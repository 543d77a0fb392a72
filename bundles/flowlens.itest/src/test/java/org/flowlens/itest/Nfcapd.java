package org.flowlens.itest;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * nfdump's collector on 127.0.0.1: started on a free port, stopped once its socket is drained, and
 * its files read back with {@code nfdump}: totals from {@code -I}, per protocol from the records.
 */
final class Nfcapd implements AutoCloseable {
    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;

    private Nfcapd(Path dir, Path log, int port, Process process) {
        this.dir = dir;
        this.log = log;
        this.port = port;
        this.process = process;
    }

    static Nfcapd start(Path work) throws IOException {
        Path dir = work.resolve("nfcapd");
        Path flows = dir.resolve("flows");
        Files.createDirectories(flows);
        Path log = dir.resolve("nfcapd.log");
        int port = Tools.freePort();
        Process p = Tools.start(dir, log, "nfcapd", "-b", "127.0.0.1", "-p", Integer.toString(port), "-w", flows.toString(), "-t", "3600",
                "-B", Integer.toString(8 << 20));
        Nfcapd n = new Nfcapd(dir, log, port, p);
        try {
            Tools.awaitLog(p, log, "Startup", 20_000);
        } catch (RuntimeException | Error e) {
            n.close();
            throw e;
        }
        return n;
    }

    int port() {
        return port;
    }

    /** Waits until nfcapd has read every datagram, stops it (it writes its file on the way out) and reads the flows back. */
    Traffic stopAndRead() throws IOException, InterruptedException {
        Await.until("nfcapd has read every datagram", 20_000, () -> Tools.receiveQueue(port) <= 0);
        process.destroy(); // SIGTERM: nfcapd flushes and closes its file
        Tools.awaitExit(process, "nfcapd", log, 30);
        Path flows = dir.resolve("flows");
        Traffic t = new Traffic(true);
        String records = Tools.output(dir, 60, "nfdump", "-R", flows.toString(), "-q", "-N", "-o", "fmt:%pr,%pkt,%byt");
        for (String line : records.split("\n")) {
            String[] f = line.split(",");
            if (f.length != 3 || f[0].isBlank()) {
                continue;
            }
            t.add(Integer.parseInt(f[0].trim()), 1, Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim()));
        }
        Map<String, String> info = new HashMap<>();
        for (String line : Tools.output(dir, 60, "nfdump", "-R", flows.toString(), "-I").split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                info.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        // the records as listed and nfdump's own statistics must tell the same totals
        assertEquals("nfdump -I flows vs records listed", info.get("Flows"), Long.toString(t.flows()));
        assertEquals("nfdump -I packets vs records listed", info.get("Packets"), Long.toString(t.packets()));
        assertEquals("nfdump -I bytes vs records listed", info.get("Bytes"), Long.toString(t.bytes()));
        return t;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
