package org.flowlens.bench.enrich;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.enrich.geoip.Enrichment;
import org.flowlens.enrich.geoip.Settings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Enriched records per second on one thread: GeoIP (City) and ASN for source and destination of
 * each record, through the address cache, as the pipeline calls the enricher (one batch of
 * {@value #BATCH} records per call). The data is the default set the build installs into
 * {@code data/geoip} (ASN range files, and the GeoLite2 City database, enabled here for the
 * measurement); without it, a generated table of 400 000 ASN ranges stands in.
 *
 * <p>Address mixes: {@code corpus} takes the source and destination of every IP packet of the
 * shared corpus captures ({@code shared/corpus/inputs}, through $FLOWLENS_CORPUS or the usual
 * relative paths; without them the synthetic mix is used and said so); {@code synthetic} draws
 * private and public IPv4 and IPv6 addresses with Zipf-like popularity from 120 000 distinct
 * addresses, more than the cache holds. One unmeasured pass over the records fills the cache first,
 * as in a collector that has been running; the hit ratio of the measured part is printed at the end
 * of each trial.
 *
 * <pre>
 * java -jar bundles/flowlens.bench/target/benchmarks.jar EnrichBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class EnrichBenchmark {
    static final int BATCH = 64;
    private static final int RECORDS = 1 << 18;

    @Param({"corpus", "synthetic"})
    public String mix;

    @Param({"100000"})
    public int cacheSize;

    private Enrichment engine;
    private FlowBatch[] batches;
    private int next;
    private Path tempTable;
    private long warmHits, warmMisses, warmSpecials;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path data = dataDir();
        List<Path> csv = new ArrayList<>();
        Path city = null;
        if (data != null) {
            csv.add(data.resolve("asn-ipv4.csv"));
            csv.add(data.resolve("asn-ipv6.csv"));
            if (Files.isRegularFile(data.resolve("GeoLite2-City.mmdb"))) {
                city = data.resolve("GeoLite2-City.mmdb");
            }
            System.out.println("\nEnrichment data: " + data.toAbsolutePath().normalize() + (city != null ? " (ASN and City)" : " (ASN)"));
        } else {
            tempTable = generatedTable();
            csv.add(tempTable);
            System.out.println("\nEnrichment data: data/geoip not found, using a generated table of 400000 ASN ranges");
        }
        engine = new Enrichment(null);
        engine.configure(new Settings(true, city != null, city, true, null, csv, "", cacheSize, "en", false));

        List<long[]> addresses = "corpus".equals(mix) ? corpusAddresses() : List.of();
        if (addresses.isEmpty()) {
            if ("corpus".equals(mix)) {
                System.out.println("Corpus not found: synthetic address mix instead");
            }
            addresses = syntheticAddresses(RECORDS * 2);
        }
        System.out.println("Address mix: " + addresses.size() / 2 + " records, " + distinct(addresses) + " distinct addresses");
        int n = RECORDS / BATCH;
        batches = new FlowBatch[n];
        int k = 0;
        for (int b = 0; b < n; b++) {
            FlowBatch batch = new FlowBatch(BATCH);
            for (int i = 0; i < BATCH; i++) {
                long[] s = addresses.get(k % addresses.size()), d = addresses.get((k + 1) % addresses.size());
                k += 2;
                batch.next().src(s[0], s[1]).dst(d[0], d[1]).protocol(6).bytes(1500).packets(1).format("bench");
            }
            batches[b] = batch;
        }
        // one pass before measuring, as a running collector has: the cache holds what it can
        for (int b = 0; b < n; b++) {
            enrich();
        }
        warmHits = engine.hits();
        warmMisses = engine.misses();
        warmSpecials = engine.specials();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        long h = engine.hits() - warmHits, m = engine.misses() - warmMisses;
        System.out.printf("%nCache hit ratio while measured: %.4f (%d hits, %d misses, %d special-range labels)%n",
                h + m == 0 ? 0.0 : (double) h / (h + m), h, m, engine.specials() - warmSpecials);
        engine.close();
        if (tempTable != null) {
            Files.deleteIfExists(tempTable);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public FlowBatch enrich() {
        FlowBatch batch = batches[next];
        next = next + 1 == batches.length ? 0 : next + 1;
        // as fresh from a decoder: no AS from the exporter, so the enricher sets number and name
        for (int i = 0; i < BATCH; i++) {
            batch.get(i).srcAs(0).dstAs(0);
        }
        engine.enrich(batch);
        return batch;
    }

    private static Path dataDir() {
        String prop = System.getProperty("flowlens.geoip.data");
        for (String p : new String[] {prop, "data/geoip", "../data/geoip", "../../data/geoip"}) {
            if (p != null && Files.isRegularFile(Paths.get(p, "asn-ipv4.csv"))) {
                return Paths.get(p);
            }
        }
        return null;
    }

    static Path corpusDir() {
        String env = System.getenv("FLOWLENS_CORPUS");
        if (env != null && Files.isDirectory(Paths.get(env, "inputs"))) {
            return Paths.get(env);
        }
        for (String p : new String[] {"shared/corpus", "../shared/corpus", "../../shared/corpus", "../../../shared/corpus"}) {
            if (Files.isDirectory(Paths.get(p, "inputs"))) {
                return Paths.get(p);
            }
        }
        return null;
    }

    /** Source and destination of every IPv4/IPv6 packet of the corpus captures (Ethernet, classic pcap). */
    static List<long[]> corpusAddresses() throws IOException {
        Path corpus = corpusDir();
        List<long[]> out = new ArrayList<>();
        if (corpus == null) {
            return out;
        }
        try (var files = Files.list(corpus.resolve("inputs"))) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".pcap")).sorted()::iterator) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p));
                int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
                if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
                    b.order(ByteOrder.BIG_ENDIAN);
                }
                if (b.getInt(20) != 1) {
                    continue;
                }
                ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
                int pos = 24;
                while (pos + 16 <= b.limit()) {
                    int caplen = b.getInt(pos + 8);
                    int start = pos + 16;
                    pos = start + caplen;
                    if (caplen < 14 || pos > b.limit()) {
                        break;
                    }
                    int off = start + 12;
                    int type = be.getShort(off) & 0xFFFF;
                    while ((type == 0x8100 || type == 0x88A8) && off + 4 < pos) {
                        off += 4;
                        type = be.getShort(off) & 0xFFFF;
                    }
                    off += 2;
                    if (type == 0x0800 && off + 20 <= pos) {
                        out.add(new long[] {0, IpAddresses.v4Lo(be.getInt(off + 12))});
                        out.add(new long[] {0, IpAddresses.v4Lo(be.getInt(off + 16))});
                    } else if (type == 0x86DD && off + 40 <= pos) {
                        out.add(new long[] {be.getLong(off + 8), be.getLong(off + 16)});
                        out.add(new long[] {be.getLong(off + 24), be.getLong(off + 32)});
                    }
                }
            }
        }
        return out;
    }

    /** Private hosts and public peers with Zipf-like popularity; one public address in ten is IPv6. */
    static List<long[]> syntheticAddresses(int n) {
        SplittableRandom rnd = new SplittableRandom(7);
        long[][] publicPool = new long[100_000][];
        for (int i = 0; i < publicPool.length; i++) {
            if (i % 10 == 9) {
                publicPool[i] = new long[] {0x2000_0000_0000_0000L | (rnd.nextLong() >>> 4), rnd.nextLong()};
            } else {
                int v;
                do {
                    v = (int) (0x0100_0000L + rnd.nextLong(0xDF00_0000L - 0x0100_0000L)); // 1.0.0.0 - 222.255.255.255
                } while ((v >>> 24) == 10 || (v >>> 24) == 127 || (v >>> 20) == 0xAC1 || (v >>> 16) == 0xC0A8 || (v >>> 16) == 0xA9FE
                        || (v >>> 22) == (0x6440_0000 >>> 22));
                publicPool[i] = new long[] {0, IpAddresses.v4Lo(v)};
            }
        }
        List<long[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i += 2) {
            boolean outbound = rnd.nextInt(100) < 60;
            long[] local = {0, IpAddresses.v4Lo(0x0A00_0000 + zipf(rnd, 20_000))};
            long[] remote = publicPool[zipf(rnd, publicPool.length)];
            if (rnd.nextInt(100) < 15) {
                local = publicPool[zipf(rnd, publicPool.length)]; // transit traffic: public on both sides
            }
            out.add(outbound ? local : remote);
            out.add(outbound ? remote : local);
        }
        return out;
    }

    /** A Zipf-like index in [0, n): the probability of i falls as 1/(i+1). */
    static int zipf(SplittableRandom rnd, int n) {
        int i = (int) Math.floor(Math.exp(rnd.nextDouble() * Math.log(n + 1.0))) - 1;
        return Math.min(n - 1, Math.max(0, i));
    }

    private static long distinct(List<long[]> addresses) {
        java.util.HashSet<String> set = new java.util.HashSet<>();
        for (long[] a : addresses) {
            set.add(a[0] + ":" + a[1]);
        }
        return set.size();
    }

    /** 400 000 IPv4 ranges in the shape of the published ASN files, over the whole unicast space. */
    private static Path generatedTable() throws IOException {
        Path f = Files.createTempFile("flowlens-bench-asn", ".csv");
        SplittableRandom rnd = new SplittableRandom(3);
        StringBuilder sb = new StringBuilder(400_000 * 40);
        long step = (0xDF00_0000L - 0x0100_0000L) / 400_000;
        for (long i = 0, start = 0x0100_0000L; i < 400_000; i++, start += step) {
            long end = start + step - 1 - rnd.nextInt(16);
            sb.append(start).append(',').append(end).append(',').append(1 + rnd.nextInt(80_000)).append(",\"Org ").append(i % 80_000)
                    .append(", Inc.\"\n");
        }
        Files.write(f, sb.toString().getBytes(StandardCharsets.US_ASCII));
        return f;
    }
}
