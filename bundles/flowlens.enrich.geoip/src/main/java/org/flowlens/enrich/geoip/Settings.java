package org.flowlens.enrich.geoip;

import java.nio.file.Path;
import java.util.List;

/**
 * What the enrichment uses, checked and resolved from the component configuration.
 *
 * @param labelSpecialRanges label private, loopback, link-local, multicast, documentation and
 *        reserved addresses without a lookup
 * @param geoEnabled look countries and cities up in {@code geoDatabase}
 * @param geoDatabase a MaxMind City or Country database, or null
 * @param asnEnabled look AS numbers and organisations up
 * @param asnDatabase a MaxMind ASN database (asked first), or null
 * @param asnCsv ASN range files (asked when the ASN database has no answer)
 * @param asnCsvAttribution the notice the licence of the range files asks for
 * @param cacheSize addresses cached at most (0: no cache)
 * @param language language of country and city names
 * @param memoryMapped map database files instead of reading them into the heap
 */
public record Settings(boolean labelSpecialRanges, boolean geoEnabled, Path geoDatabase, boolean asnEnabled, Path asnDatabase,
        List<Path> asnCsv, String asnCsvAttribution, int cacheSize, String language, boolean memoryMapped) {

    public Settings {
        asnCsv = List.copyOf(asnCsv);
    }
}
