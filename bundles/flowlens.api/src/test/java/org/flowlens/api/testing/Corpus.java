package org.flowlens.api.testing;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The shared test corpus (beside the repository, or where FLOWLENS_CORPUS points) and its truth files. */
public final class Corpus {
    private Corpus() {}

    /** The corpus folder; skips the calling test when it is not there (a fresh clone has none). */
    public static Path root() {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path p = env != null && !env.isBlank() ? Path.of(env) : Path.of("../../../shared/corpus");
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("exports")),
                "shared corpus not found at " + p.toAbsolutePath().normalize() + " (set FLOWLENS_CORPUS): corpus tests skipped");
        return p;
    }

    /** The pcaps in {@code folder} whose name contains one of {@code parts}, sorted. */
    public static List<Path> files(String folder, String... parts) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root().resolve(folder))) {
            s.filter(f -> {
                String n = f.getFileName().toString();
                if (!n.endsWith(".pcap")) {
                    return false;
                }
                for (String g : parts) {
                    if (n.contains(g)) {
                        return true;
                    }
                }
                return false;
            }).sorted().forEach(out::add);
        }
        return out;
    }

    /** Totals: flows, packets, bytes, and per IP protocol. */
    public record Totals(long flows, long packets, long bytes, Map<Integer, long[]> perProtocol) {
        public static Totals of(long flows, long packets, long bytes) {
            return new Totals(flows, packets, bytes, new TreeMap<>());
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(flows + " flows / " + packets + " packets / " + bytes + " bytes");
            perProtocol.forEach((k, v) -> sb.append(" | ").append(k).append(": ").append(v[0]).append('/').append(v[1]).append('/').append(v[2]));
            return sb.toString();
        }
    }

    public static JsonObject truth(Path pcap) throws IOException {
        String n = pcap.getFileName().toString();
        Path t = pcap.resolveSibling(n.substring(0, n.length() - ".pcap".length()) + ".truth.json");
        try (Reader r = Files.newBufferedReader(t)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    /** One decoder's block ({@code tshark}, {@code nfdump}, {@code pmacct}, or {@code reference}) as totals. */
    public static Totals totals(JsonObject truth, String tool) {
        JsonObject o = truth.getAsJsonObject(tool);
        long flows = o.has("flow_records") ? o.get("flow_records").getAsLong() : o.get("flows").getAsLong();
        Totals t = Totals.of(flows, o.get("packets").getAsLong(), o.get("bytes").getAsLong());
        if (o.has("per_protocol")) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("per_protocol").entrySet()) {
                JsonObject v = e.getValue().getAsJsonObject();
                // "none": records without a protocol field, which decode as protocol 0
                int protocol = e.getKey().equals("none") ? 0 : Integer.parseInt(e.getKey());
                long[] sum = t.perProtocol().computeIfAbsent(protocol, k -> new long[3]);
                sum[0] += v.get("flows").getAsLong();
                sum[1] += v.get("packets").getAsLong();
                sum[2] += v.get("bytes").getAsLong();
            }
        }
        return t;
    }

    /** The consensus value of {@code flows}, {@code packets} or {@code bytes}; null when disputed. */
    public static Long consensus(JsonObject truth, String what) {
        JsonElement v = truth.getAsJsonObject("consensus").getAsJsonObject(what).get("value");
        return v == null || v.isJsonNull() ? null : v.getAsLong();
    }
}
