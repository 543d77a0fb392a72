package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.TopN;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Records decoded (minimally, here) from real NetFlow v5 exports, aggregated and compared with
 * brute force and with the totals third-party decoders agree on. The committed fixture always
 * runs; the shared corpus, when present, adds every softflowd v5 export.
 */
class CorpusTest {
    static final long T0 = 1_700_000_000_000L;

    /** NetFlow v5 records of an Ethernet/IPv4/UDP pcap, stamped with the packet time. */
    static List<FlowRecord> decode(byte[] pcap) {
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xA1B2C3D4) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        List<FlowRecord> out = new ArrayList<>();
        int p = 24;
        while (p + 16 <= pcap.length) {
            long millis = (b.getInt(p) & 0xFFFFFFFFL) * 1000 + (b.getInt(p + 4) & 0xFFFFFFFFL) / 1000;
            int len = b.getInt(p + 8);
            int pkt = p + 16;
            p = pkt + len;
            ByteBuffer n = ByteBuffer.wrap(pcap, 0, pcap.length).order(ByteOrder.BIG_ENDIAN);
            int ip = pkt + 14;
            if ((n.getShort(pkt + 12) & 0xFFFF) != 0x0800 || n.get(ip + 9) != 17) {
                continue;
            }
            int udp = ip + (n.get(ip) & 0x0F) * 4;
            int nf = udp + 8;
            if ((n.getShort(nf) & 0xFFFF) != 5) {
                continue;
            }
            int count = n.getShort(nf + 2) & 0xFFFF;
            for (int i = 0; i < count && nf + 24 + (i + 1) * 48 <= p; i++) {
                int r = nf + 24 + i * 48;
                FlowRecord f = new FlowRecord();
                f.srcV4(n.getInt(r)).dstV4(n.getInt(r + 4)).inIf(n.getShort(r + 12) & 0xFFFF).outIf(n.getShort(r + 14) & 0xFFFF);
                f.packets(n.getInt(r + 16) & 0xFFFFFFFFL).bytes(n.getInt(r + 20) & 0xFFFFFFFFL);
                f.srcPort(n.getShort(r + 32) & 0xFFFF).dstPort(n.getShort(r + 34) & 0xFFFF);
                f.tcpFlags(n.get(r + 37) & 0xFF).protocol(n.get(r + 38) & 0xFF);
                f.exporter(0, 0x0000_FFFF_7F00_0001L).receivedMillis(millis).format("netflow_v5");
                out.add(f);
            }
        }
        return out;
    }

    static long consensus(String truth, String what) {
        Matcher m = Pattern.compile("\"consensus\"\\s*:\\s*\\{.*?\"" + what + "\"\\s*:\\s*\\{\\s*\"value\"\\s*:\\s*(\\d+)",
                Pattern.DOTALL).matcher(truth);
        assertTrue(m.find(), what);
        return Long.parseLong(m.group(1));
    }

    /** Replays the records as if received now, at their original pace, and compares every dimension. */
    static void check(String name, byte[] pcap, String truth) {
        List<FlowRecord> records = decode(pcap);
        assertEquals(consensus(truth, "flows"), records.size(), name);
        assertEquals(consensus(truth, "packets"), records.stream().mapToLong(FlowRecord::packets).sum(), name);
        assertEquals(consensus(truth, "bytes"), records.stream().mapToLong(FlowRecord::bytes).sum(), name);
        long first = records.get(0).receivedMillis();
        for (FlowRecord r : records) {
            r.receivedMillis(T0 + r.receivedMillis() - first);
        }
        Streams.Clock clock = new Streams.Clock(T0);
        List<String> dims = List.of("session", "src_addr", "dst_addr", "dst_port+protocol", "protocol", "exporter+in_if");
        Aggregator a = new Aggregator(AggregatorTest.settings(dims, 500, 256), clock, Runnable::run);
        AggregatorTest.play(a, clock, records, 30);
        clock.now = records.get(records.size() - 1).receivedMillis() + 1;
        a.refresh();
        for (String spec : a.dimensions()) {
            AggregatorTest.assertExact(a, records, Duration.ofHours(1), spec);
        }
        TopN protocols = a.top(Duration.ofHours(1), "protocol", Metric.BYTES, 10);
        long all = 0;
        for (Group g : protocols.groups()) {
            all += g.bytes();
        }
        assertEquals(consensus(truth, "bytes"), all, name);
    }

    @Test
    void committedFixture() throws IOException {
        try (InputStream pcap = getClass().getResourceAsStream("/corpus/ndpi-1kxun__softflowd-nfv5.pcap");
                InputStream truth = getClass().getResourceAsStream("/corpus/ndpi-1kxun__softflowd-nfv5.truth.json")) {
            check("fixture", pcap.readAllBytes(), new String(truth.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void sharedCorpus() throws IOException {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path dir = (env != null ? Paths.get(env) : Paths.get("../../../shared/corpus")).resolve("exports");
        Assumptions.assumeTrue(Files.isDirectory(dir), "shared corpus not found at " + dir.toAbsolutePath() + ": skipped");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().endsWith("softflowd-nfv5.pcap")).sorted().toList();
        }
        assertTrue(files.size() >= 3, "softflowd v5 exports in " + dir);
        for (Path f : files) {
            Path truth = f.resolveSibling(f.getFileName().toString().replace(".pcap", ".truth.json"));
            check(f.getFileName().toString(), Files.readAllBytes(f), Files.readString(truth));
        }
    }
}
