package org.flowlens.decoder.sflow;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The shared test corpus (beside the repository, or where FLOWLENS_CORPUS points) and its truth files. */
final class Corpus {
    private Corpus() {}

    /** The corpus folder; skips the calling test when it is not there (a fresh clone has none). */
    static Path root() {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path p = env != null && !env.isBlank() ? Path.of(env) : Path.of("../../../shared/corpus");
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("exports")),
                "shared corpus not found at " + p.toAbsolutePath().normalize() + " (set FLOWLENS_CORPUS): corpus tests skipped");
        return p;
    }

    /** The pcaps in {@code folder} whose name contains {@code part}, sorted. */
    static List<Path> files(String folder, String part) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root().resolve(folder))) {
            s.filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".pcap") && n.contains(part);
            }).sorted().forEach(out::add);
        }
        return out;
    }

    static JsonObject truth(Path pcap) throws IOException {
        String n = pcap.getFileName().toString();
        Path t = pcap.resolveSibling(n.substring(0, n.length() - ".pcap".length()) + ".truth.json");
        try (Reader r = Files.newBufferedReader(t)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }
}
