package org.flowlens.enrich.geoip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;

/** Small databases and records for the tests. */
final class Fixtures {
    private Fixtures() {}

    /** A City database: 81.2.69.0/24 London GB, 216.160.83.0/24 Milton US, 2001:218::/32 Tokyo JP. */
    static MmdbWriter city() {
        return new MmdbWriter("GeoLite2-City")
                .add("81.2.69.0/24", MmdbWriter.city("GB", "United Kingdom", "EU", "London", 51.5142, -0.0931))
                .add("216.160.83.0/24", MmdbWriter.city("US", "United States", "NA", "Milton", 47.2513, -122.3149))
                .add("2001:218::/32", MmdbWriter.city("JP", "Japan", "AS", "Tokyo", 35.685, 139.7514));
    }

    /** The same networks with other answers, to tell a reloaded database from the first. */
    static MmdbWriter cityV2() {
        return new MmdbWriter("GeoLite2-City")
                .add("81.2.69.0/24", MmdbWriter.city("FR", "France", "EU", "Paris", 48.8566, 2.3522))
                .add("216.160.83.0/24", MmdbWriter.city("CA", "Canada", "NA", "Toronto", 43.6532, -79.3832))
                .add("2001:218::/32", MmdbWriter.city("KR", "South Korea", "AS", "Seoul", 37.5665, 126.978));
    }

    static MmdbWriter asn() {
        return new MmdbWriter("GeoLite2-ASN")
                .add("81.2.69.0/24", MmdbWriter.asn(20712, "Andrews & Arnold Ltd"))
                .add("2001:218::/32", MmdbWriter.asn(2914, "NTT America, Inc."));
    }

    /** Lines in the shape of {@code @ip-location-db/asn}'s files. */
    static final List<String> ASN_V4 = List.of(
            "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"",
            "8.8.4.0,8.8.4.255,15169,Google LLC",
            "8.8.8.0,8.8.8.255,15169,Google LLC",
            "2.26.200.0,2.26.215.255,201907,\"LLC \"\"SPUTNIK\"\"\"",
            "81.2.69.0,81.2.69.255,20712,Andrews & Arnold Ltd",
            "214.0.0.0,214.255.255.255,749,United States Department of Defense (DoD)",
            "214.10.0.0,215.0.255.255,721,DoD Network Information Center",
            "216.160.83.0,216.160.83.255,209,\"CenturyLink Communications, LLC\"");

    static final List<String> ASN_V6 = List.of(
            "2001:218::,2001:218:ffff:ffff:ffff:ffff:ffff:ffff,2914,\"NTT America, Inc.\"",
            "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC",
            "2606:4700::,2606:4700:ffff:ffff:ffff:ffff:ffff:ffff,13335,\"Cloudflare, Inc.\"");

    static void writeLines(Path file, List<String> lines) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static FlowRecord record(FlowBatch batch, String src, String dst) {
        long[] s = IpAddresses.parse(src), d = IpAddresses.parse(dst);
        return batch.next().src(s[0], s[1]).dst(d[0], d[1]).protocol(6).bytes(100).packets(1);
    }

    static Settings settings(Path geo, Path asnDb, List<Path> csv, int cacheSize) {
        return new Settings(true, geo != null, geo, asnDb != null || !csv.isEmpty(), asnDb, csv, "test attribution", cacheSize,
                "en", false);
    }
}
