package org.flowlens.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Packet counts, bytes and times of real captures against capinfos' numbers in the truth files. */
class CorpusTest {

    @TempDir
    Path dir;

    static Path corpus() {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path p = env != null && !env.isEmpty() ? Paths.get(env) : Paths.get("../../../shared/corpus");
        return Files.isDirectory(p.resolve("inputs")) ? p : null;
    }

    static Path fixture() {
        try {
            return Paths.get(CorpusTest.class.getResource("/captures/in-tcpreplay-test.pcap").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Path> corpusInputs() throws IOException {
        Path c = corpus();
        // no parameters would be a configuration error: without the shared corpus the tests are skipped
        Assumptions.assumeTrue(c != null, "shared corpus not found at ../../../shared/corpus nor $FLOWLENS_CORPUS: corpus tests skipped");
        try (Stream<Path> s = Files.list(c.resolve("inputs"))) {
            List<Path> l = new ArrayList<>();
            s.filter(p -> p.toString().endsWith(".pcap")).sorted().forEach(l::add);
            return l.stream();
        }
    }

    static JsonObject truth(Path pcap) {
        Path t = pcap.resolveSibling(pcap.getFileName().toString().replace(".pcap", ".truth.json"));
        try {
            return JsonParser.parseString(Files.readString(t)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void assertMatchesCapinfos(Path pcap) throws IOException {
        JsonObject cap = truth(pcap).getAsJsonObject("capinfos");
        long packets = 0;
        long bytes = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        try (PcapReader r = PcapReader.open(pcap)) {
            while (r.next()) {
                packets++;
                bytes += r.capturedLength();
                first = Math.min(first, r.timestampNanos());
                last = Math.max(last, r.timestampNanos());
                assertEquals(LinkTypes.ETHERNET, r.linkType());
            }
            assertEquals(0, r.truncated(), pcap.toString());
            assertEquals(r.size(), r.position());
            assertEquals(packets, r.packets());
        }
        assertEquals(cap.get("packets").getAsLong(), packets, pcap + " packets");
        assertEquals(cap.get("data_bytes").getAsLong(), bytes, pcap + " bytes");
        assertEquals(nanos(cap.get("first_ts").getAsString()), first, pcap + " first time");
        assertEquals(nanos(cap.get("last_ts").getAsString()), last, pcap + " last time");
    }

    static long nanos(String seconds) {
        return new BigDecimal(seconds).movePointRight(9).longValueExact();
    }

    @Test
    void fixtureMatchesCapinfos() throws IOException {
        assertMatchesCapinfos(fixture());
    }

    @ParameterizedTest
    @MethodSource("corpusInputs")
    void corpusInputMatchesCapinfos(Path pcap) throws IOException {
        assertMatchesCapinfos(pcap);
    }

    @Test
    void corpusIsPresentOrSkipped() throws IOException {
        Assumptions.assumeTrue(corpus() != null,
                "shared corpus not found at ../../../shared/corpus nor $FLOWLENS_CORPUS: corpus tests skipped");
        assertTrue(corpusInputs().count() >= 6, "the corpus lists six input captures");
    }

    /** The same packets written as pcapng (nanosecond units, big-endian) read back identically. */
    @Test
    void pcapngCopyOfARealCaptureReadsTheSame() throws IOException {
        Path source = fixture();
        PcapNgBuilder ng = new PcapNgBuilder(ByteOrder.BIG_ENDIAN).iface(LinkTypes.ETHERNET, 65535, 9, 0);
        List<byte[]> expected = new ArrayList<>();
        List<long[]> expectedMeta = new ArrayList<>();
        try (PcapReader r = PcapReader.open(source)) {
            while (r.next()) {
                byte[] b = PcapReaderTest.bytes(r.packet());
                expected.add(b);
                expectedMeta.add(new long[] {r.timestampNanos(), r.linkType(), r.capturedLength(), r.originalLength()});
                ng.epb(0, r.timestampNanos(), b, b.length, r.originalLength(), false);
            }
        }
        Path f = dir.resolve("copy.pcapng");
        Files.write(f, ng.bytes());
        try (PcapReader r = PcapReader.open(f)) {
            int i = 0;
            while (r.next()) {
                ByteBuffer p = r.packet();
                assertArrayEquals(expected.get(i), PcapReaderTest.bytes(p));
                assertArrayEquals(expectedMeta.get(i), new long[] {r.timestampNanos(), r.linkType(),
                    r.capturedLength(), r.originalLength()});
                i++;
            }
            assertEquals(expected.size(), i);
            assertEquals(0, r.truncated());
        }
    }

    /** Writing what was read gives back the same file, byte for byte. */
    @Test
    void writerReproducesARealCapture() throws IOException {
        Path source = fixture();
        Path copy = dir.resolve("copy.pcap");
        try (PcapReader r = PcapReader.open(source); PcapWriter w = PcapWriter.create(copy, LinkTypes.ETHERNET, 65535, false)) {
            while (r.next()) {
                w.write(r.timestampNanos(), r.packet(), r.originalLength());
            }
        }
        byte[] a = Files.readAllBytes(source);
        byte[] b = Files.readAllBytes(copy);
        assertEquals(a.length, b.length);
        // the global headers may differ in version/snaplen; the records must be identical
        assertArrayEquals(java.util.Arrays.copyOfRange(a, 24, a.length), java.util.Arrays.copyOfRange(b, 24, b.length));
    }
}
