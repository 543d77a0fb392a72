package org.flowlens.decoder.packet;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The shared corpus (../../../shared/corpus or $FLOWLENS_CORPUS) and the fixtures of this module. */
public final class Corpus {

    private Corpus() {
    }

    /** The corpus folder, or null when absent. */
    public static Path root() {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path p = env != null && !env.isEmpty() ? Paths.get(env) : Paths.get("../../../shared/corpus");
        return Files.isDirectory(p.resolve("inputs")) ? p : null;
    }

    /** Every inputs/*.pcap of the corpus (empty when it is absent). */
    public static Stream<Path> inputs() throws IOException {
        Path c = root();
        // no parameters would be a configuration error: without the shared corpus the tests are skipped
        org.junit.jupiter.api.Assumptions.assumeTrue(c != null, "shared corpus not found at ../../../shared/corpus nor $FLOWLENS_CORPUS: corpus tests skipped");
        List<Path> l = new ArrayList<>();
        try (Stream<Path> s = Files.list(c.resolve("inputs"))) {
            s.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(l::add);
        }
        return l.stream();
    }

    /** A capture committed under src/test/resources/captures. */
    public static Path fixture(String name) {
        try {
            return Paths.get(Corpus.class.getResource("/captures/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test capture " + name, e);
        }
    }

    /** The corpus input of that name if the corpus is present, else the fixture. */
    public static Path inputOrFixture(String name) {
        Path c = root();
        return c != null ? c.resolve("inputs").resolve(name) : fixture(name);
    }

    public static JsonObject truth(Path pcap) {
        Path t = pcap.resolveSibling(pcap.getFileName().toString().replace(".pcap", ".truth.json"));
        try {
            return JsonParser.parseString(Files.readString(t)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
