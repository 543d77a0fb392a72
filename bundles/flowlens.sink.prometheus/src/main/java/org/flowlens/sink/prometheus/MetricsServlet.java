package org.flowlens.sink.prometheus;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.RandomAccess;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.Collector.Type;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.client.hotspot.ClassLoadingExports;
import io.prometheus.client.hotspot.GarbageCollectorExports;
import io.prometheus.client.hotspot.MemoryPoolsExports;
import io.prometheus.client.hotspot.StandardExports;
import io.prometheus.client.hotspot.ThreadExports;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /metrics}: Prometheus text format, or OpenMetrics when the Accept header asks for it.
 * The path is the {@code osgi.http.whiteboard.servlet.pattern} property, configurable.
 */
@Component(service = {Servlet.class, ConfigurationCheck.class}, configurationPid = MetricsServlet.PID,
        property = {"osgi.http.whiteboard.servlet.pattern=/metrics", ConfigurationCheck.PID + "=" + MetricsServlet.PID})
@Designate(ocd = MetricsServlet.Config.class)
public class MetricsServlet extends HttpServlet implements ConfigurationCheck {
    static final String PID = "flowlens.prometheus";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** Bytes gathered before a write to the servlet output stream (or the compressor). */
    static final int BUFFER = 64 * 1024;

    @ObjectClassDefinition(name = "Flowlens Prometheus exporter", description = "What /metrics shows and where.")
    public @interface Config {
        @AttributeDefinition(name = "Path", description = "The HTTP path of the metrics, e.g. /metrics.")
        String osgi_http_whiteboard_servlet_pattern() default "/metrics";

        @AttributeDefinition(name = "Namespace", description = "Prefix of every metric name, e.g. flow gives flow_bytes_total.")
        String namespace() default "flow";

        @AttributeDefinition(name = "Subsystem", description = "Optional second part of the names: namespace_subsystem_bytes_total.")
        String subsystem() default "";

        @AttributeDefinition(name = "Static labels", description = "Labels added to every series, as name=value, e.g. environment=prod, datacenter=fra1, collector=c1.")
        String[] staticLabels() default {};

        @AttributeDefinition(name = "JVM metrics", description = "Include memory, garbage collection, threads and class loading of the JVM.")
        boolean jvmMetrics() default true;

        @AttributeDefinition(name = "Compress", description = "Send the metrics gzip-compressed (fastest level) when the scraper accepts it, "
                + "as Prometheus does: about a tenth of the bytes for some CPU time per scrape.")
        boolean gzip() default true;
    }

    /** Internal counters that carry the names of the Prometheus specification. */
    private static final Map<String, String> ALIASES = Map.of(
            "flowlens_collector_datagrams_total", "received_packets",
            "flowlens_collector_records_total", "parsed_records",
            "flowlens_pipeline_processing_duration_seconds", "processing_duration_seconds",
            "flowlens_pipeline_queue_length", "worker_queue_length",
            "flowlens_collector_sequence_gaps_total", "sequence_gaps");

    private final transient Metrics metrics;
    private final transient FlowSeries series;
    private final transient CollectorRegistry jvm = new CollectorRegistry();
    private volatile transient Settings settings;

    record Settings(String prefix, List<String> labelNames, List<String> labelValues, boolean jvm, boolean gzip) {}

    @Activate
    public MetricsServlet(@Reference Metrics metrics, @Reference FlowSeries series, Config config) {
        this.metrics = metrics;
        this.series = series;
        new StandardExports().register(jvm);
        new MemoryPoolsExports().register(jvm);
        new GarbageCollectorExports().register(jvm);
        new ThreadExports().register(jvm);
        new ClassLoadingExports().register(jvm);
        Settings s = checked(config);
        settings = s != null ? s : new Settings("flow_", List.of(), List.of(), true, true);
    }

    Settings currentSettings() {
        return settings;
    }

    @Modified
    void modified(Config config) {
        Settings s = checked(config);
        if (s != null) {
            settings = s;
        }
    }

    /** The settings of a configuration, or null (logged) when it is refused. */
    private static Settings checked(Config config) {
        try {
            return settings(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Refused Prometheus configuration: {}; keeping the last good one", e.getMessage());
            return null;
        }
    }

    /** Whether {@code modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> settings(Configs.of(Config.class, properties)));
    }

    private static Settings settings(Config c) {
        String prefix = c.namespace().trim() + (c.subsystem().isBlank() ? "" : "_" + c.subsystem().trim()) + "_";
        if (!NAME.matcher(prefix).matches()) {
            throw new IllegalArgumentException("namespace/subsystem '" + prefix + "' is not a valid metric name prefix");
        }
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (String l : c.staticLabels()) {
            if (l.isBlank()) {
                continue;
            }
            int eq = l.indexOf('=');
            String n = eq > 0 ? l.substring(0, eq).trim() : "";
            if (!LABEL.matcher(n).matches() || n.startsWith("__")) {
                throw new IllegalArgumentException("static label '" + l + "' is not name=value with a valid label name");
            }
            names.add(n);
            values.add(l.substring(eq + 1).trim());
        }
        return new Settings(prefix, List.copyOf(names), List.copyOf(values), c.jvmMetrics(), c.gzip());
    }

    /**
     * Writes through the client library's text writers into a buffered UTF-8 writer of our own
     * (see {@link Utf8Writer}), gzip-compressed at the fastest level when the request accepts it.
     */
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Settings s = settings;
        String contentType = TextFormat.chooseContentType(req.getHeader("Accept"));
        Enumeration<MetricFamilySamples> families = families(s);
        boolean gzip = s.gzip() && acceptsGzip(req.getHeader("Accept-Encoding"));
        resp.setStatus(200);
        resp.setContentType(contentType);
        resp.setHeader("Cache-Control", "no-store");
        if (s.gzip()) {
            resp.setHeader("Vary", "Accept-Encoding");
        }
        OutputStream out = resp.getOutputStream();
        if (gzip) {
            resp.setHeader("Content-Encoding", "gzip");
            out = new FastGzip(out);
        }
        try (Writer w = new Utf8Writer(out, BUFFER)) {
            TextFormat.writeFormat(contentType, w, families);
        }
    }

    /** Whether an Accept-Encoding header accepts gzip (and does not refuse it with q=0). */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.split(";");
            String coding = p[0].trim().toLowerCase(Locale.ROOT);
            if (!coding.equals("gzip") && !coding.equals("x-gzip")) {
                continue;
            }
            for (int i = 1; i < p.length; i++) {
                String param = p[i].trim().toLowerCase(Locale.ROOT);
                if (param.startsWith("q=")) {
                    try {
                        return Double.parseDouble(param.substring(2).trim()) > 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }
            }
            return true;
        }
        return false;
    }

    /** gzip at the fastest level: the text repeats itself so much that level 1 already shrinks it about tenfold. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, BUFFER);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /** Every family of one scrape, made at once. */
    List<MetricFamilySamples> collect(Settings s) {
        return Collections.list(families(s));
    }

    /**
     * The families of one scrape. The flow tables and the pipeline counters are copied now, each
     * in one consistent snapshot; the families of the flow tables are made one at a time as the
     * writer asks for them, and their samples one at a time as it writes them (except that the
     * library's counter families copy their sample list), so a scrape of 50,000 series never holds
     * 200,000 sample objects at once.
     */
    Enumeration<MetricFamilySamples> families(Settings s) {
        List<Supplier<MetricFamilySamples>> out = new ArrayList<>();
        flowFamilies(s, series.snapshot(), out);
        List<MetricFamilySamples> rest = new ArrayList<>();
        healthFamilies(s, metrics.snapshot(), rest);
        if (s.jvm()) {
            for (MetricFamilySamples f : Collections.list(jvm.metricFamilySamples())) {
                rest.add(withStatic(s, f));
            }
        }
        for (MetricFamilySamples f : rest) {
            out.add(() -> f);
        }
        Iterator<Supplier<MetricFamilySamples>> it = out.iterator();
        return new Enumeration<>() {
            @Override
            public boolean hasMoreElements() {
                return it.hasNext();
            }

            @Override
            public MetricFamilySamples nextElement() {
                return it.next().get();
            }
        };
    }

    // ---- flow counters ----------------------------------------------------------------------

    private void flowFamilies(Settings s, FlowSeries.Snapshot snap, List<Supplier<MetricFamilySamples>> out) {
        List<String> names = labels(s, Arrays.asList(snap.flowLabels()));
        List<String> bwNameTail = new ArrayList<>(s.labelNames());
        bwNameTail.add("window");
        List<String> bwNames = new LabelList(snap.flowLabels(), bwNameTail.toArray(new String[0]));
        String window = snap.bandwidthWindowSeconds() % 60 == 0 ? snap.bandwidthWindowSeconds() / 60 + "m" : snap.bandwidthWindowSeconds() + "s";
        List<String> bwTail = new ArrayList<>(s.labelValues());
        bwTail.add(window);
        Rows flows = snap.flows();
        LabelValues values = new LabelValues(flows, s.labelValues());
        LabelValues bwValues = new LabelValues(flows, bwTail);
        String p = s.prefix();
        out.add(() -> new MetricFamilySamples(p + "flows", Type.COUNTER, "Flow records, by the configured labels",
                new ColumnSamples(p + "flows_total", names, values, flows.flows)));
        out.add(() -> new MetricFamilySamples(p + "bytes", Type.COUNTER, "Bytes of the flow records, by the configured labels",
                new ColumnSamples(p + "bytes_total", names, values, flows.bytes)));
        out.add(() -> new MetricFamilySamples(p + "packets", Type.COUNTER, "Packets of the flow records, by the configured labels",
                new ColumnSamples(p + "packets_total", names, values, flows.packets)));
        out.add(() -> new MetricFamilySamples(p + "bandwidth_bps", Type.GAUGE, "Average bits per second over the window, by the configured labels",
                new ColumnSamples(p + "bandwidth_bps", bwNames, bwValues, flows.bitsPerSecond)));

        List<String> tableNames = labels(s, List.of("metric"));
        String[] tables = {"flow", "domain", "ip"};
        List<Collector.MetricFamilySamples.Sample> sc = new ArrayList<>(), fk = new ArrayList<>();
        for (int i = 0; i < tables.length; i++) {
            sc.add(sample(p + "exporter_series", tableNames, values(s, new String[] {tables[i]}), snap.seriesCounts()[i]));
            fk.add(sample(p + "exporter_folded_keys", tableNames, values(s, new String[] {tables[i]}), snap.foldedKeys()[i]));
        }
        MetricFamilySamples series = new MetricFamilySamples(p + "exporter_series", Type.GAUGE, "Series held per table under the cardinality guard", sc);
        MetricFamilySamples folded = new MetricFamilySamples(p + "exporter_folded_keys", Type.GAUGE, "Distinct keys folded into the 'other' series (estimate)", fk);
        out.add(() -> series);
        out.add(() -> folded);

        // go-net-monitoring's names
        List<String> domainNames = labels(s, List.of("domain"));
        Rows domains = snap.domains();
        LabelValues dv = new LabelValues(domains, s.labelValues());
        out.add(() -> new MetricFamilySamples("network_domains_accessed", Type.COUNTER, "Flows towards each domain",
                new ColumnSamples("network_domains_accessed_total", domainNames, dv, domains.flows)));
        out.add(() -> new MetricFamilySamples("network_domain_bytes_sent", Type.COUNTER, "Bytes sent to each domain",
                new ColumnSamples("network_domain_bytes_sent_total", domainNames, dv, domains.bytes)));
        out.add(() -> new MetricFamilySamples("network_domain_bytes_received", Type.COUNTER, "Bytes received from each domain",
                new ColumnSamples("network_domain_bytes_received_total", domainNames, dv, domains.bytesIn)));
        out.add(() -> new MetricFamilySamples("network_domain_connections", Type.COUNTER, "Connections (flows) to each domain",
                new ColumnSamples("network_domain_connections_total", domainNames, dv, domains.flows)));
        List<String> none = labels(s, List.of());
        List<String> noValues = values(s, new String[0]);
        List<MetricFamilySamples> small = new ArrayList<>();
        small.add(new MetricFamilySamples("network_connections", Type.COUNTER, "Connections (flow records) seen",
                List.of(sample("network_connections_total", none, noValues, snap.connections()))));
        small.add(new MetricFamilySamples("network_bytes_sent", Type.COUNTER, "Bytes sent by local hosts",
                List.of(sample("network_bytes_sent_total", none, noValues, snap.bytesSent()))));
        small.add(new MetricFamilySamples("network_bytes_received", Type.COUNTER, "Bytes received by local hosts",
                List.of(sample("network_bytes_received_total", none, noValues, snap.bytesReceived()))));
        List<String> protoNames = labels(s, List.of("protocol"));
        List<Collector.MetricFamilySamples.Sample> ps = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            if (snap.protocolFlows()[i] > 0) {
                ps.add(sample("network_protocol_stats", protoNames, values(s, new String[] {Protocols.name(i)}), snap.protocolFlows()[i]));
            }
        }
        small.add(new MetricFamilySamples("network_protocol_stats", Type.GAUGE, "Flows seen per protocol since start", ps));
        for (MetricFamilySamples f : small) {
            out.add(() -> f);
        }
        List<String> ipNames = labels(s, List.of("ip"));
        Rows ips = snap.ips();
        LabelValues iv = new LabelValues(ips, s.labelValues());
        out.add(() -> new MetricFamilySamples("network_ips_accessed", Type.COUNTER, "Flows towards each destination address",
                new ColumnSamples("network_ips_accessed_total", ipNames, iv, ips.flows)));
    }

    /**
     * The label values of each row of a snapshot followed by a fixed tail (the static labels), as
     * lists made when first asked for and then shared by every family of the table.
     */
    private static final class LabelValues {
        private final Rows rows;
        private final String[] tail;
        private final List<?>[] lists;

        LabelValues(Rows rows, List<String> tail) {
            this.rows = rows;
            this.tail = tail.toArray(new String[0]);
            this.lists = new List<?>[rows.size()];
        }

        @SuppressWarnings("unchecked")
        List<String> of(int row) {
            List<String> l = (List<String>) lists[row];
            if (l == null) {
                l = new LabelList(rows.labels[row], tail);
                lists[row] = l;
            }
            return l;
        }
    }

    /**
     * Label names or values: two arrays read as one list, without copying (a series' own labels,
     * then the static ones). Every list of names and values the exporter hands to the library is
     * one of these, so that the library's writer calls {@code get} on one class only, which the JIT
     * inlines, instead of dispatching among several list classes for each label of 200,000 samples.
     */
    static final class LabelList extends AbstractList<String> implements RandomAccess {
        private final String[] head;
        private final String[] tail;

        LabelList(String[] head, String[] tail) {
            this.head = head;
            this.tail = tail;
        }

        @Override
        public String get(int i) {
            return i < head.length ? head[i] : tail[i - head.length];
        }

        @Override
        public int size() {
            return head.length + tail.length;
        }
    }

    /** One column of a snapshot as samples, each made when the writer (or the library) reads it. */
    private static final class ColumnSamples extends AbstractList<Collector.MetricFamilySamples.Sample> implements RandomAccess {
        private final String name;
        private final List<String> labelNames;
        private final LabelValues values;
        private final long[] longs;
        private final double[] doubles;

        ColumnSamples(String name, List<String> labelNames, LabelValues values, long[] column) {
            this(name, labelNames, values, column, null);
        }

        ColumnSamples(String name, List<String> labelNames, LabelValues values, double[] column) {
            this(name, labelNames, values, null, column);
        }

        private ColumnSamples(String name, List<String> labelNames, LabelValues values, long[] longs, double[] doubles) {
            this.name = name;
            this.labelNames = labelNames;
            this.values = values;
            this.longs = longs;
            this.doubles = doubles;
        }

        @Override
        public Collector.MetricFamilySamples.Sample get(int i) {
            double v = longs != null ? longs[i] : doubles[i];
            return new Collector.MetricFamilySamples.Sample(name, labelNames, values.of(i), v);
        }

        @Override
        public int size() {
            return longs != null ? longs.length : doubles.length;
        }
    }

    // ---- pipeline health --------------------------------------------------------------------

    private void healthFamilies(Settings s, List<Sample> samples, List<MetricFamilySamples> out) {
        Map<String, List<Collector.MetricFamilySamples.Sample>> byFamily = new LinkedHashMap<>();
        Map<String, Type> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        String dropped = s.prefix() + "dropped_records";
        types.put(dropped, Type.COUNTER);
        helps.put(dropped, "Records dropped, by reason and where");
        byFamily.put(dropped, new ArrayList<>());
        for (Sample x : samples) {
            String family = familyName(s, x);
            Type type = switch (x.type()) {
                case COUNTER -> Type.COUNTER;
                case GAUGE -> Type.GAUGE;
                default -> Type.HISTOGRAM;
            };
            List<String> names = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int i = 0; i + 1 < x.labels().size(); i += 2) {
                names.add(x.labels().get(i));
                values.add(x.labels().get(i + 1));
            }
            String sampleName = switch (x.type()) {
                case COUNTER -> family + "_total";
                case HISTOGRAM_BUCKET -> family + "_bucket";
                case HISTOGRAM_SUM -> family + "_sum";
                case HISTOGRAM_COUNT -> family + "_count";
                default -> family;
            };
            if (x.name().equals("flowlens_pipeline_dropped_records_total") || x.name().equals("flowlens_collector_dropped_total")
                    || x.name().equals("flowlens_consumer_dropped_records_total")) {
                if (x.name().startsWith("flowlens_consumer")) {
                    names.add("reason");
                    values.add("consumer_queue_full");
                }
                names.add("stage");
                values.add(x.name().split("_")[1]);
                byFamily.get(dropped).add(sample(dropped + "_total", labels(s, names), values(s, values.toArray(new String[0])), x.value()));
                continue;
            }
            types.putIfAbsent(family, type);
            helps.putIfAbsent(family, x.help());
            byFamily.computeIfAbsent(family, k -> new ArrayList<>()).add(sample(sampleName, labels(s, names), values(s, values.toArray(new String[0])), x.value()));
        }
        byFamily.forEach((family, list) -> out.add(new MetricFamilySamples(family, types.get(family), helps.get(family), list)));
    }

    private static String familyName(Settings s, Sample x) {
        String alias = ALIASES.get(x.name());
        if (alias != null) {
            return s.prefix() + alias;
        }
        String n = x.name().startsWith("flowlens_") ? x.name().substring("flowlens_".length()) : x.name();
        if (x.type() == Sample.Type.COUNTER && n.endsWith("_total")) {
            n = n.substring(0, n.length() - "_total".length());
        }
        return s.prefix() + n;
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static List<String> labels(Settings s, List<String> names) {
        return new LabelList(names.toArray(new String[0]), s.labelNames().toArray(new String[0]));
    }

    private static List<String> values(Settings s, String[] values) {
        return new LabelList(values, s.labelValues().toArray(new String[0]));
    }

    private static Collector.MetricFamilySamples.Sample sample(String name, List<String> names, List<String> values, double v) {
        return new Collector.MetricFamilySamples.Sample(name, names, values, v);
    }

    private static MetricFamilySamples withStatic(Settings s, MetricFamilySamples f) {
        if (s.labelNames().isEmpty()) {
            return f;
        }
        List<Collector.MetricFamilySamples.Sample> samples = new ArrayList<>(f.samples.size());
        for (Collector.MetricFamilySamples.Sample x : f.samples) {
            List<String> n = new ArrayList<>(x.labelNames);
            n.addAll(s.labelNames());
            List<String> v = new ArrayList<>(x.labelValues);
            v.addAll(s.labelValues());
            samples.add(new Collector.MetricFamilySamples.Sample(x.name, n, v, x.value));
        }
        return new MetricFamilySamples(f.name, f.unit, f.type, f.help, samples);
    }
}
