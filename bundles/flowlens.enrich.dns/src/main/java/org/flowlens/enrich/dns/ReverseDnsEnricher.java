package org.flowlens.enrich.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.IpAddresses;
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
 * Names source and destination addresses by reverse DNS (PTR), off by default. Lookups run on
 * background threads with a hard timeout; records never wait: an address gets its name on the
 * records that follow its resolution.
 */
@Component(service = {FlowEnricher.class, ConfigurationCheck.class}, configurationPid = ReverseDnsEnricher.PID,
        property = {"service.ranking:Integer=100", ConfigurationCheck.PID + "=" + ReverseDnsEnricher.PID})
@Designate(ocd = ReverseDnsEnricher.Config.class)
public class ReverseDnsEnricher implements FlowEnricher, ConfigurationCheck {
    static final String PID = "flowlens.enrich.dns";
    private static final Logger LOG = LoggerFactory.getLogger(ReverseDnsEnricher.class);

    @ObjectClassDefinition(name = "Flowlens reverse DNS enrichment",
            description = "Names flow addresses by reverse DNS (PTR) lookups made in the background, never on the record path. "
                    + "Off by default: every new address becomes a DNS query to the servers below. Changes apply live.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Look names up.")
        boolean enabled() default false;

        @AttributeDefinition(name = "DNS servers", description = "host or host:port of the resolvers to ask, comma-separated; "
                + "empty: the nameservers of /etc/resolv.conf.")
        String[] servers() default {};

        @AttributeDefinition(name = "Timeout (ms)", description = "How long one query waits for its answer (50-30000).")
        int timeoutMillis() default 1000;

        @AttributeDefinition(name = "Tries", description = "Rounds over the servers before an address is given up for now (1-5).")
        int tries() default 2;

        @AttributeDefinition(name = "Cache size", description = "Addresses whose names are cached, in sets of four (0-10000000).")
        int cacheSize() default 50_000;

        @AttributeDefinition(name = "Queue size", description = "Addresses waiting for a lookup; more are dropped, counted and asked "
                + "again later (1-1000000).")
        int queueSize() default 10_000;

        @AttributeDefinition(name = "Resolver threads", description = "Lookups made at the same time (1-64).")
        int resolvers() default 4;

        @AttributeDefinition(name = "Minimum TTL (s)", description = "A name is kept at least this long, whatever its TTL (0-604800).")
        int minTtlSeconds() default 300;

        @AttributeDefinition(name = "Maximum TTL (s)", description = "A name is kept at most this long (1-604800).")
        int maxTtlSeconds() default 86_400;

        @AttributeDefinition(name = "Negative TTL (s)", description = "How long an address without a name, or whose lookup failed, "
                + "is not asked again (1-604800).")
        int negativeTtlSeconds() default 3600;
    }

    private final Metrics metrics;
    private volatile ReverseDns engine;

    @Activate
    public ReverseDnsEnricher(@Reference Metrics metrics, Config config) {
        this.metrics = metrics;
        apply(config);
    }

    @Modified
    void modified(Config config) {
        apply(config);
    }

    private synchronized void apply(Config c) {
        String problem = problem(c);
        if (problem != null) {
            LOG.error("Refused reverse DNS configuration: {}; keeping the last good one", problem);
            return;
        }
        List<InetSocketAddress> servers = c.enabled() ? servers(c.servers()) : List.of();
        ReverseDns next = null;
        if (c.enabled()) {
            if (servers.isEmpty()) {
                LOG.error("Reverse DNS is enabled but no DNS server is configured and /etc/resolv.conf names none; it stays off");
            } else {
                DnsClient client = new DnsClient(servers, c.timeoutMillis(), c.tries());
                long pending = (long) c.timeoutMillis() * c.tries() * servers.size() / 1000 + 5;
                next = new ReverseDns(client::lookup, new ReverseDns.Limits(c.cacheSize(), c.queueSize(), c.resolvers(),
                        c.minTtlSeconds(), c.maxTtlSeconds(), c.negativeTtlSeconds(), pending), metrics);
                LOG.info("Reverse DNS on: asking {}", servers);
            }
        }
        ReverseDns old = engine;
        engine = next;
        if (old != null) {
            close(old);
            if (next == null) {
                LOG.info("Reverse DNS off");
            }
        }
    }

    /** Whether {@code modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return problem(Configs.of(Config.class, properties));
    }

    static String problem(Config c) {
        if (c.timeoutMillis() < 50 || c.timeoutMillis() > 30_000) {
            return "timeoutMillis must be 50-30000, got " + c.timeoutMillis();
        }
        if (c.tries() < 1 || c.tries() > 5) {
            return "tries must be 1-5, got " + c.tries();
        }
        if (c.cacheSize() < 0 || c.cacheSize() > 10_000_000) {
            return "cacheSize must be 0-10000000, got " + c.cacheSize();
        }
        if (c.queueSize() < 1 || c.queueSize() > 1_000_000) {
            return "queueSize must be 1-1000000, got " + c.queueSize();
        }
        if (c.resolvers() < 1 || c.resolvers() > 64) {
            return "resolvers must be 1-64, got " + c.resolvers();
        }
        if (c.minTtlSeconds() < 0 || c.maxTtlSeconds() < 1 || c.maxTtlSeconds() > 604_800 || c.minTtlSeconds() > c.maxTtlSeconds()
                || c.negativeTtlSeconds() < 1 || c.negativeTtlSeconds() > 604_800) {
            return "TTLs must satisfy 0 <= minTtlSeconds <= maxTtlSeconds <= 604800 and 1 <= negativeTtlSeconds <= 604800";
        }
        try {
            parseServers(c.servers());
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    /** host[:port] entries (IPv6 as [addr]:port or bare), comma-separated inside values. */
    static List<InetSocketAddress> parseServers(String[] values) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String value : values == null ? new String[0] : values) {
            for (String part : value.split(",")) {
                String s = part.trim();
                if (s.isEmpty()) {
                    continue;
                }
                String host = s;
                int port = 53;
                if (s.startsWith("[")) {
                    int close = s.indexOf(']');
                    if (close < 0) {
                        throw new IllegalArgumentException("server '" + s + "' is not host[:port]");
                    }
                    host = s.substring(1, close);
                    if (s.length() > close + 1) {
                        port = port(s.substring(close + 2), s);
                    }
                } else if (s.indexOf(':') == s.lastIndexOf(':') && s.indexOf(':') > 0) {
                    host = s.substring(0, s.indexOf(':'));
                    port = port(s.substring(s.indexOf(':') + 1), s);
                }
                long[] a;
                try {
                    a = IpAddresses.parse(host);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("server '" + s + "' must be an IP address (a name would need DNS itself)");
                }
                out.add(new InetSocketAddress(IpAddresses.toInetAddress(a[0], a[1]), port));
            }
        }
        return out;
    }

    private static int port(String p, String entry) {
        try {
            int port = Integer.parseInt(p.trim());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("server '" + entry + "' has a bad port");
    }

    private static List<InetSocketAddress> servers(String[] configured) {
        List<InetSocketAddress> s = parseServers(configured);
        return s.isEmpty() ? resolvConf(Paths.get("/etc/resolv.conf")) : s;
    }

    /** The nameservers of a resolv.conf file. */
    static List<InetSocketAddress> resolvConf(Path file) {
        List<InetSocketAddress> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String t = line.trim();
                if (t.startsWith("nameserver")) {
                    String[] f = t.split("\\s+");
                    if (f.length >= 2) {
                        try {
                            String host = f[1];
                            int pct = host.indexOf('%');
                            long[] a = IpAddresses.parse(pct > 0 ? host.substring(0, pct) : host);
                            out.add(new InetSocketAddress(IpAddresses.toInetAddress(a[0], a[1]), 53));
                        } catch (IllegalArgumentException e) {
                            LOG.debug("Skipping nameserver line '{}' of {}", t, file);
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("Cannot read {}", file, e);
        }
        return out;
    }

    /** For tests: the running engine, or null when off. */
    ReverseDns engine() {
        return engine;
    }

    @Override
    public void enrich(FlowBatch batch) {
        ReverseDns e = engine;
        if (e != null) {
            e.enrich(batch);
        }
    }

    @Deactivate
    void deactivate() {
        ReverseDns old = engine;
        engine = null;
        if (old != null) {
            close(old);
        }
    }

    private static void close(ReverseDns e) {
        try {
            e.close();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
