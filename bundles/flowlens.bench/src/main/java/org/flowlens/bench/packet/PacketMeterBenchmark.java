package org.flowlens.bench.packet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.flowlens.decoder.packet.PacketInfo;
import org.flowlens.decoder.packet.PacketParser;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.FlowMeter;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.flowlens.pcap.LinkTypes;
import org.flowlens.pcap.PcapReader;
import org.flowlens.pcap.PcapWriter;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A pcap file read, parsed and metered into flow records on one core: the packets/s figure is the
 * {@code packets} counter. Two workloads: {@code corpus} replays the real captures of
 * shared/corpus/inputs (found through $FLOWLENS_CORPUS or the usual relative paths; without them
 * the synthetic one is used) many times with the clock moved two hours each time, so sessions are
 * created and expired again and again; {@code synthetic} is 100,000 concurrent UDP and TCP
 * sessions visited round robin (a large, cache-unfriendly table).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@State(Scope.Benchmark)
public class PacketMeterBenchmark {

    @Param({"corpus", "synthetic"})
    public String workload;

    private Path file;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long packets;
        public long records;

        @Setup(Level.Iteration)
        public void clear() {
            packets = 0;
            records = 0;
        }
    }

    @Setup(Level.Trial)
    public void write() throws IOException {
        file = Files.createTempFile("flowlens-bench", ".pcap");
        List<Path> inputs = "corpus".equals(workload) ? corpusInputs() : List.of();
        try (PcapWriter w = PcapWriter.create(file, LinkTypes.ETHERNET, 65535, false)) {
            if (inputs.isEmpty()) {
                synthetic(w);
            } else {
                replay(w, inputs);
            }
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    static List<Path> corpusInputs() throws IOException {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("FLOWLENS_CORPUS");
        if (env != null && !env.isEmpty()) {
            candidates.add(Paths.get(env));
        }
        for (String p : new String[] {"shared/corpus", "../shared/corpus", "../../shared/corpus", "../../../shared/corpus"}) {
            candidates.add(Paths.get(p));
        }
        for (Path c : candidates) {
            Path inputs = c.resolve("inputs");
            if (Files.isDirectory(inputs)) {
                try (Stream<Path> s = Files.list(inputs)) {
                    return s.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
                }
            }
        }
        return List.of();
    }

    /** The captures, 100 times over, two hours apart. */
    private static void replay(PcapWriter w, List<Path> inputs) throws IOException {
        byte[] copy = new byte[65536];
        for (int round = 0; round < 100; round++) {
            long offset = round * 7200L * 1_000_000_000L;
            for (Path in : inputs) {
                try (PcapReader r = PcapReader.open(in)) {
                    while (r.next()) {
                        ByteBuffer p = r.packet();
                        int n = p.remaining();
                        p.duplicate().get(copy, 0, n);
                        w.write(r.timestampNanos() + offset, copy, 0, n, r.originalLength());
                    }
                }
            }
        }
    }

    /** 2,000,000 packets over 100,000 sessions: 3 of 4 TCP, the rest UDP, sizes 60 to 1,514 bytes. */
    private static void synthetic(PcapWriter w) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1514);
        byte[] a = b.array();
        for (int i = 0; i < 2_000_000; i++) {
            int s = i % 100_000;
            boolean forward = (i / 100_000) % 2 == 0;
            boolean tcp = s % 4 != 0;
            int size = 60 + (int) ((i * 7919L) % 1455);
            int ipLength = size - 14;
            b.clear();
            b.putLong(0, 0x0000_0011_2233_4455L << 16).putShort(6, (short) 0x6677).putInt(8, 0x8899AABB);
            b.putShort(12, (short) 0x0800);
            b.put(14, (byte) 0x45).put(15, (byte) 0).putShort(16, (short) ipLength).putInt(18, 0).put(22, (byte) 64)
                    .put(23, (byte) (tcp ? 6 : 17)).putShort(24, (short) 0);
            int client = 0x0A000000 | s;
            int server = 0xC0A80001 + (s % 50);
            b.putInt(26, forward ? client : server).putInt(30, forward ? server : client);
            int cport = 1024 + (s % 60000);
            int sport = tcp ? 443 : 53;
            b.putShort(34, (short) (forward ? cport : sport)).putShort(36, (short) (forward ? sport : cport));
            if (tcp) {
                b.putInt(38, i).putInt(42, 0).put(46, (byte) 0x50).put(47, (byte) 0x18);
            } else {
                b.putShort(38, (short) (ipLength - 20)).putShort(40, (short) 0);
            }
            w.write(1_700_000_000_000_000_000L + i * 1000L, a, 0, size, size);
        }
    }

    @Benchmark
    public long meterFile(Counters counters) throws IOException {
        FlowMeter meter = new FlowMeter(new MeterSettings().maxSessions(1 << 20), new DomainTable(65536, 60, 86400),
                batch -> counters.records += batch.size());
        try (PcapReader r = PcapReader.open(file)) {
            while (r.next()) {
                ByteBuffer p = r.packet();
                meter.offer(p, p.position(), p.remaining(), r.linkType(), r.timestampNanos());
            }
            meter.expireAll();
            counters.packets += r.packets();
        }
        return meter.records();
    }

    @Benchmark
    public long parseFile(Counters counters) throws IOException {
        PacketParser parser = new PacketParser();
        PacketInfo info = new PacketInfo();
        long sum = 0;
        try (PcapReader r = PcapReader.open(file)) {
            while (r.next()) {
                ByteBuffer p = r.packet();
                sum += parser.parse(p, p.position(), p.remaining(), r.linkType(), info) + info.dstPort();
            }
            counters.packets += r.packets();
        }
        return sum;
    }
}
