package org.flowlens.enrich.geoip;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.flowlens.api.flow.IpAddresses;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.model.AsnResponse;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.City;
import com.maxmind.geoip2.record.Continent;
import com.maxmind.geoip2.record.Country;
import com.maxmind.geoip2.record.Location;

/**
 * One opened MaxMind DB file (GeoIP2/GeoLite2 City, Country or ASN, or a database of the same
 * shape such as DB-IP's lite databases), read through geoip2's {@link DatabaseReader}.
 */
final class MaxMindDatabase implements Closeable {
    enum Kind { CITY, COUNTRY, ASN }

    /** What one lookup found; strings interned. */
    static final class Found {
        String countryCode, countryName, continentCode, city;
        float latitude = Float.NaN, longitude = Float.NaN;
        long asn;
        String asName;
    }

    /** Decoded data records kept by the reader (bounded: once full it stops adding). */
    private static final int DECODED_CACHE = 8192;

    private final Path path;
    private final DatabaseReader reader;
    private final Kind kind;
    private final String type;
    private final String attribution;

    private MaxMindDatabase(Path path, DatabaseReader reader, Kind kind, String type) {
        this.path = path;
        this.reader = reader;
        this.kind = kind;
        this.type = type;
        this.attribution = attributionOf(type);
    }

    /**
     * Opens and checks a database: its metadata must name a City or Country database when
     * {@code geo} is set, an ASN database otherwise, and probe lookups must go through.
     *
     * @throws IOException with a message that says why the file is refused
     */
    static MaxMindDatabase open(Path path, boolean geo, String language, boolean memoryMapped) throws IOException {
        File file = path.toFile();
        if (!file.isFile()) {
            throw new IOException(path + " does not exist or is not a file");
        }
        DatabaseReader reader;
        try {
            reader = new DatabaseReader.Builder(file).fileMode(memoryMapped ? Reader.FileMode.MEMORY_MAPPED : Reader.FileMode.MEMORY)
                    // decoded records by their place in the data section: many networks share one city record
                    .withCache(new CHMCache(DECODED_CACHE))
                    .locales(language.equals("en") ? List.of("en") : List.of(language, "en")).build();
        } catch (IOException | RuntimeException e) {
            throw new IOException(path + " is not a readable MaxMind database: " + e.getMessage(), e);
        }
        try {
            Metadata m = reader.getMetadata();
            String type = m.databaseType() == null ? "" : m.databaseType();
            String t = type.toLowerCase(Locale.ROOT);
            Kind kind;
            if (geo && t.contains("city")) {
                kind = Kind.CITY;
            } else if (geo && t.contains("country")) {
                kind = Kind.COUNTRY;
            } else if (!geo && t.contains("asn")) {
                kind = Kind.ASN;
            } else {
                throw new IOException(path + " is a '" + type + "' database, expected " + (geo ? "a City or Country" : "an ASN")
                        + " database");
            }
            MaxMindDatabase db = new MaxMindDatabase(path, reader, kind, type);
            // the whole tree and data section are read on the first lookups: probe an IPv4 and an IPv6 address
            Found probe = new Found();
            db.lookup(0, IpAddresses.v4Lo(0x0808_0808), probe);
            if (m.ipVersion() == 6) {
                db.lookup(0x2001_4860_4860_0000L, 0x8888L, probe);
            }
            return db;
        } catch (IOException e) {
            closeQuietly(reader);
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(reader);
            throw new IOException(path + " is damaged: " + e, e);
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing more to do with a file being refused
        }
    }

    Kind kind() {
        return kind;
    }

    String type() {
        return type;
    }

    Path path() {
        return path;
    }

    String attribution() {
        return attribution;
    }

    /** Looks an address up; fills what the database knows into {@code out} and leaves the rest alone. */
    void lookup(long hi, long lo, Found out) throws IOException {
        InetAddress address = IpAddresses.toInetAddress(hi, lo);
        try {
            switch (kind) {
                case CITY -> {
                    Optional<CityResponse> r = reader.tryCity(address);
                    if (r.isPresent()) {
                        CityResponse c = r.get();
                        country(c.country(), c.registeredCountry(), c.continent(), out);
                        City city = c.city();
                        if (city != null) {
                            out.city = intern(city.name());
                        }
                        Location l = c.location();
                        if (l != null && l.latitude() != null && l.longitude() != null) {
                            out.latitude = l.latitude().floatValue();
                            out.longitude = l.longitude().floatValue();
                        }
                    }
                }
                case COUNTRY -> {
                    Optional<CountryResponse> r = reader.tryCountry(address);
                    if (r.isPresent()) {
                        CountryResponse c = r.get();
                        country(c.country(), c.registeredCountry(), c.continent(), out);
                    }
                }
                case ASN -> {
                    Optional<AsnResponse> r = reader.tryAsn(address);
                    if (r.isPresent() && r.get().autonomousSystemNumber() != null) {
                        out.asn = r.get().autonomousSystemNumber();
                        out.asName = intern(r.get().autonomousSystemOrganization());
                    }
                }
            }
        } catch (com.maxmind.geoip2.exception.GeoIp2Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void country(Country country, Country registered, Continent continent, Found out) {
        // the country where the address is used; for anycast or satellite ranges MaxMind gives only the registered one
        Country c = country != null && country.isoCode() != null ? country : registered;
        if (c != null && c.isoCode() != null) {
            out.countryCode = intern(c.isoCode());
            out.countryName = intern(c.name());
        }
        if (continent != null) {
            out.continentCode = intern(continent.code());
        }
    }

    private static String intern(String s) {
        return s == null || s.isEmpty() ? null : s.intern();
    }

    private static String attributionOf(String type) {
        if (type.startsWith("GeoLite2")) {
            return "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com.";
        }
        if (type.startsWith("GeoIP2")) {
            return "GeoIP2 data by MaxMind (https://www.maxmind.com).";
        }
        if (type.toUpperCase(Locale.ROOT).startsWith("DBIP")) {
            return "IP Geolocation by DB-IP (https://db-ip.com).";
        }
        return type + " database.";
    }

    Map<String, String> description() {
        return reader.getMetadata().description();
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
