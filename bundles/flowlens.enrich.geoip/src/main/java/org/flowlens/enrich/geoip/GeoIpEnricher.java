package org.flowlens.enrich.geoip;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.enrich.AddressLookup;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowEnricher;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Country, city, location, AS number and organisation for the source and destination of every
 * record, from MaxMind databases and ASN range files, through a bounded address cache. Data files
 * load in the background and reload when they change on disk; until then records pass with
 * special ranges labelled only.
 */
@Component(service = {FlowEnricher.class, AddressLookup.class, ConfigurationCheck.class}, configurationPid = GeoIpEnricher.PID,
        immediate = true, property = {"service.ranking:Integer=200", ConfigurationCheck.PID + "=" + GeoIpEnricher.PID})
@Designate(ocd = GeoIpEnricher.Config.class)
public class GeoIpEnricher implements FlowEnricher, AddressLookup, ConfigurationCheck {
    static final String PID = "flowlens.enrich.geoip";
    static final String CSV_ATTRIBUTION = "IP to ASN data: RouteViews, NRO and DB-IP (https://db-ip.com), CC BY 4.0.";
    private static final Logger LOG = LoggerFactory.getLogger(GeoIpEnricher.class);

    @ObjectClassDefinition(name = "Flowlens GeoIP and ASN enrichment",
            description = "Country, city, location, AS number and organisation of flow addresses. Relative paths are resolved "
                    + "against the working directory. Changes apply live; changed data files reload by themselves.")
    public @interface Config {
        @AttributeDefinition(name = "Label special ranges", description = "Label private (RFC 1918, carrier-grade NAT, fc00::/7), "
                + "loopback, link-local, multicast, documentation and reserved addresses as such, without a lookup.")
        boolean labelSpecialRanges() default true;

        @AttributeDefinition(name = "Countries and cities", description = "Look countries, cities and locations up in the GeoIP "
                + "database below. Off by default: the bundled GeoLite2 data (2019-12-24) is licensed CC BY-NC-SA 4.0, for "
                + "non-commercial use only. Point the path at current files of your own MaxMind account to use it commercially.")
        boolean geoEnabled() default false;

        @AttributeDefinition(name = "GeoIP database", description = "A MaxMind GeoIP2 or GeoLite2 City or Country database (.mmdb), "
                + "or a database of the same shape (e.g. DB-IP City Lite).")
        String geoDatabase() default "data/geoip/GeoLite2-City.mmdb";

        @AttributeDefinition(name = "AS numbers and organisations", description = "Look AS numbers and organisations up (ASN "
                + "database first, then the range files). An AS number the exporter sent is kept; only its organisation is added.")
        boolean asnEnabled() default true;

        @AttributeDefinition(name = "ASN database", description = "A MaxMind GeoLite2/GeoIP2 ASN database (.mmdb); empty for none.")
        String asnDatabase() default "";

        @AttributeDefinition(name = "ASN range files", description = "CSV range files in the format of @ip-location-db/asn "
                + "(start,end,AS number,organisation; addresses as text or numbers), comma-separated; empty for none.")
        String[] asnCsv() default {"data/geoip/asn-ipv4.csv", "data/geoip/asn-ipv6.csv"};

        @AttributeDefinition(name = "ASN range files attribution", description = "The notice the licence of the range files asks "
                + "for, shown by the console.")
        String asnCsvAttribution() default CSV_ATTRIBUTION;

        @AttributeDefinition(name = "Cache size", description = "Addresses whose answers are cached, in sets of four (0-10000000; 0 disables the cache).")
        int cacheSize() default 100_000;

        @AttributeDefinition(name = "Reload check (s)", description = "How often the data files are checked for changes (0-86400; 0 "
                + "disables reloading). A changed file is loaded once it has not changed for one further check.")
        int reloadSeconds() default 5;

        @AttributeDefinition(name = "Language", description = "Language of country and city names, as MaxMind names them "
                + "(en, de, es, fr, ja, pt-BR, ru, zh-CN); English where a name is missing.")
        String language() default "en";

        @AttributeDefinition(name = "Memory-map files", description = "Map the MaxMind files instead of reading them into the heap. "
                + "Saves memory, but then files must be replaced by renaming a new file over the old one, never overwritten in place.")
        boolean memoryMapped() default false;
    }

    private final Enrichment engine;
    private final ScheduledExecutorService executor;
    private ScheduledFuture<?> watch;
    private int reloadSeconds = -1;
    private volatile boolean stopping;

    @Activate
    public GeoIpEnricher(@Reference Metrics metrics, Config config) {
        engine = new Enrichment(metrics);
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-geoip-reload");
            t.setDaemon(true);
            return t;
        });
        Settings s = settings(config);
        if (s == null) {
            LOG.warn("Starting the GeoIP/ASN enricher with its default configuration");
            s = defaults();
            apply(s, 5);
        } else {
            apply(s, config.reloadSeconds());
        }
    }

    @Modified
    synchronized void modified(Config config) {
        Settings s = settings(config);
        if (s != null) {
            apply(s, config.reloadSeconds());
        }
    }

    private synchronized void apply(Settings s, int seconds) {
        executor.execute(() -> {
            if (!stopping) {
                engine.configure(s);
            }
        });
        if (seconds != reloadSeconds) {
            if (watch != null) {
                watch.cancel(false);
                watch = null;
            }
            if (seconds > 0) {
                watch = executor.scheduleWithFixedDelay(() -> {
                    if (!stopping) {
                        try {
                            engine.poll();
                        } catch (RuntimeException e) {
                            LOG.error("Checking the GeoIP/ASN data files failed", e);
                        }
                    }
                }, seconds, seconds, TimeUnit.SECONDS);
            }
            reloadSeconds = seconds;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stopping = true;
        executor.shutdown();
        if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
            executor.shutdownNow();
        }
        engine.close();
    }

    @Override
    public void enrich(FlowBatch batch) {
        engine.enrich(batch);
    }

    @Override
    public AddressInfo lookup(long hi, long lo) {
        return engine.lookup(hi, lo);
    }

    @Override
    public List<String> attributions() {
        return engine.attributions();
    }

    /** For tests: runs a task after everything queued on the reload thread so far. */
    void runOnReloadThread(Runnable task) {
        executor.execute(task);
    }

    /** Settings from a configuration, or null (logged) when it is invalid. */
    static Settings settings(Config c) {
        String problem = problem(c);
        if (problem != null) {
            LOG.error("Refused GeoIP/ASN enricher configuration: {}; keeping the last good one", problem);
            return null;
        }
        List<Path> csv = csvFiles(c);
        String language = c.language() == null ? "" : c.language().trim();
        return new Settings(c.labelSpecialRanges(), c.geoEnabled(), blank(c.geoDatabase()) ? null : Paths.get(c.geoDatabase().trim()),
                c.asnEnabled(), blank(c.asnDatabase()) ? null : Paths.get(c.asnDatabase().trim()), csv,
                c.asnCsvAttribution(), c.cacheSize(), language, c.memoryMapped());
    }

    /** What is wrong with a configuration, null when nothing is. */
    static String problem(Config c) {
        String language = c.language() == null ? "" : c.language().trim();
        if (c.cacheSize() < 0 || c.cacheSize() > 10_000_000) {
            return "cacheSize must be 0-10000000, got " + c.cacheSize();
        } else if (c.reloadSeconds() < 0 || c.reloadSeconds() > 86_400) {
            return "reloadSeconds must be 0-86400, got " + c.reloadSeconds();
        } else if (!languageTag(language)) {
            return "language must be a language tag such as en or pt-BR, got '" + c.language() + "'";
        } else if (c.geoEnabled() && blank(c.geoDatabase())) {
            return "geoEnabled is set but geoDatabase is empty";
        } else if (c.asnEnabled() && blank(c.asnDatabase()) && csvFiles(c).isEmpty()) {
            return "asnEnabled is set but neither asnDatabase nor asnCsv names a file";
        }
        return null;
    }

    private static List<Path> csvFiles(Config c) {
        List<Path> csv = new ArrayList<>();
        for (String s : c.asnCsv() == null ? new String[0] : c.asnCsv()) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    csv.add(Paths.get(part.trim()));
                }
            }
        }
        return csv;
    }

    /** Whether {@link #modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return problem(Configs.of(Config.class, properties));
    }

    static Settings defaults() {
        return new Settings(true, false, Paths.get("data/geoip/GeoLite2-City.mmdb"), true, null,
                List.of(Paths.get("data/geoip/asn-ipv4.csv"), Paths.get("data/geoip/asn-ipv6.csv")), CSV_ATTRIBUTION, 100_000, "en",
                false);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean languageTag(String s) {
        if (s.length() < 2 || s.length() > 12) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '-' || ch >= '0' && ch <= '9')) {
                return false;
            }
        }
        return true;
    }
}
