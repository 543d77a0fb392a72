package org.flowlens.sink.prometheus;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

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
@Component(service = Servlet.class, configurationPid = MetricsServlet.PID, property = "osgi.http.whiteboard.servlet.pattern=/metrics")
@Designate(ocd = MetricsServlet.Config.class)
public class MetricsServlet extends HttpServlet {
    static final String PID = "flowlens.prometheus";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

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

    record Settings(String prefix, List<String> labelNames, List<String> labelValues, boolean jvm) {}

    @Activate
    public MetricsServlet(@Reference Metrics metrics, @Reference FlowSeries series, Config config) {
        this.metrics = metrics;
        this.series = series;
        new StandardExports().register(jvm);
        new MemoryPoolsExports().register(jvm);
        new GarbageCollectorExports().register(jvm);
        new ThreadExports().register(jvm);
        new ClassLoadingExports().register(jvm);
        settings = settings(config);
        if (settings == null) {
            settings = new Settings("flow_", List.of(), List.of(), true);
        }
    }

    Settings currentSettings() {
        return settings;
    }

    @Modified
    void modified(Config config) {
        Settings s = settings(config);
        if (s != null) {
            settings = s;
        }
    }

    private static Settings settings(Config c) {
        String prefix = c.namespace().trim() + (c.subsystem().isBlank() ? "" : "_" + c.subsystem().trim()) + "_";
        if (!NAME.matcher(prefix).matches()) {
            LOG.error("Refused Prometheus configuration: namespace/subsystem '{}' is not a valid metric name prefix; keeping the last good one", prefix);
            return null;
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
                LOG.error("Refused Prometheus configuration: static label '{}' is not name=value with a valid label name; keeping the last good one", l);
                return null;
            }
            names.add(n);
            values.add(l.substring(eq + 1).trim());
        }
        return new Settings(prefix, List.copyOf(names), List.copyOf(values), c.jvmMetrics());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String contentType = TextFormat.chooseContentType(req.getHeader("Accept"));
        List<MetricFamilySamples> families = collect(settings);
        resp.setStatus(200);
        resp.setContentType(contentType);
        resp.setHeader("Cache-Control", "no-store");
        try (Writer w = new OutputStreamWriter(resp.getOutputStream(), StandardCharsets.UTF_8)) {
            TextFormat.writeFormat(contentType, w, Collections.enumeration(families));
        }
    }

    List<MetricFamilySamples> collect(Settings s) {
        List<MetricFamilySamples> out = new ArrayList<>();
        flowFamilies(s, series.snapshot(), out);
        healthFamilies(s, metrics.snapshot(), out);
        if (s.jvm()) {
            for (MetricFamilySamples f : Collections.list(jvm.metricFamilySamples())) {
                out.add(withStatic(s, f));
            }
        }
        return out;
    }

    // ---- flow counters ----------------------------------------------------------------------

    private void flowFamilies(Settings s, FlowSeries.Snapshot snap, List<MetricFamilySamples> out) {
        List<String> names = labels(s, Arrays.asList(snap.flowLabels()));
        List<String> bwNames = new ArrayList<>(names);
        bwNames.add("window");
        String window = snap.bandwidthWindowSeconds() % 60 == 0 ? snap.bandwidthWindowSeconds() / 60 + "m" : snap.bandwidthWindowSeconds() + "s";
        List<Collector.MetricFamilySamples.Sample> fl = new ArrayList<>(), by = new ArrayList<>(), pk = new ArrayList<>(), bw = new ArrayList<>();
        for (FlowSeries.Row r : snap.flows()) {
            List<String> values = values(s, r.labels());
            fl.add(sample(s.prefix() + "flows_total", names, values, r.flows()));
            by.add(sample(s.prefix() + "bytes_total", names, values, r.bytes()));
            pk.add(sample(s.prefix() + "packets_total", names, values, r.packets()));
            List<String> bwValues = new ArrayList<>(values);
            bwValues.add(window);
            bw.add(sample(s.prefix() + "bandwidth_bps", bwNames, bwValues, r.bitsPerSecond(snap.tick(), snap.bandwidthWindowSeconds())));
        }
        out.add(new MetricFamilySamples(s.prefix() + "flows", Type.COUNTER, "Flow records, by the configured labels", fl));
        out.add(new MetricFamilySamples(s.prefix() + "bytes", Type.COUNTER, "Bytes of the flow records, by the configured labels", by));
        out.add(new MetricFamilySamples(s.prefix() + "packets", Type.COUNTER, "Packets of the flow records, by the configured labels", pk));
        out.add(new MetricFamilySamples(s.prefix() + "bandwidth_bps", Type.GAUGE, "Average bits per second over the window, by the configured labels", bw));

        List<String> tableNames = labels(s, List.of("metric"));
        String[] tables = {"flow", "domain", "ip"};
        List<Collector.MetricFamilySamples.Sample> sc = new ArrayList<>(), fk = new ArrayList<>();
        for (int i = 0; i < tables.length; i++) {
            sc.add(sample(s.prefix() + "exporter_series", tableNames, values(s, new String[] {tables[i]}), snap.seriesCounts()[i]));
            fk.add(sample(s.prefix() + "exporter_folded_keys", tableNames, values(s, new String[] {tables[i]}), snap.foldedKeys()[i]));
        }
        out.add(new MetricFamilySamples(s.prefix() + "exporter_series", Type.GAUGE, "Series held per table under the cardinality guard", sc));
        out.add(new MetricFamilySamples(s.prefix() + "exporter_folded_keys", Type.GAUGE, "Distinct keys folded into the 'other' series (estimate)", fk));

        // go-net-monitoring's names
        List<String> domainNames = labels(s, List.of("domain"));
        List<Collector.MetricFamilySamples.Sample> acc = new ArrayList<>(), sent = new ArrayList<>(), recv = new ArrayList<>(), conn = new ArrayList<>();
        for (FlowSeries.Row r : snap.domains()) {
            List<String> v = values(s, r.labels());
            acc.add(sample("network_domains_accessed_total", domainNames, v, r.flows()));
            sent.add(sample("network_domain_bytes_sent_total", domainNames, v, r.bytes()));
            recv.add(sample("network_domain_bytes_received_total", domainNames, v, r.bytesIn()));
            conn.add(sample("network_domain_connections_total", domainNames, v, r.flows()));
        }
        out.add(new MetricFamilySamples("network_domains_accessed", Type.COUNTER, "Flows towards each domain", acc));
        out.add(new MetricFamilySamples("network_domain_bytes_sent", Type.COUNTER, "Bytes sent to each domain", sent));
        out.add(new MetricFamilySamples("network_domain_bytes_received", Type.COUNTER, "Bytes received from each domain", recv));
        out.add(new MetricFamilySamples("network_domain_connections", Type.COUNTER, "Connections (flows) to each domain", conn));
        List<String> none = labels(s, List.of());
        List<String> noValues = values(s, new String[0]);
        out.add(new MetricFamilySamples("network_connections", Type.COUNTER, "Connections (flow records) seen",
                List.of(sample("network_connections_total", none, noValues, snap.connections()))));
        out.add(new MetricFamilySamples("network_bytes_sent", Type.COUNTER, "Bytes sent by local hosts",
                List.of(sample("network_bytes_sent_total", none, noValues, snap.bytesSent()))));
        out.add(new MetricFamilySamples("network_bytes_received", Type.COUNTER, "Bytes received by local hosts",
                List.of(sample("network_bytes_received_total", none, noValues, snap.bytesReceived()))));
        List<String> protoNames = labels(s, List.of("protocol"));
        List<Collector.MetricFamilySamples.Sample> ps = new ArrayList<>();
        for (int p = 0; p < 256; p++) {
            if (snap.protocolFlows()[p] > 0) {
                ps.add(sample("network_protocol_stats", protoNames, values(s, new String[] {Protocols.name(p)}), snap.protocolFlows()[p]));
            }
        }
        out.add(new MetricFamilySamples("network_protocol_stats", Type.GAUGE, "Flows seen per protocol since start", ps));
        List<String> ipNames = labels(s, List.of("ip"));
        List<Collector.MetricFamilySamples.Sample> is = new ArrayList<>();
        for (FlowSeries.Row r : snap.ips()) {
            is.add(sample("network_ips_accessed_total", ipNames, values(s, r.labels()), r.flows()));
        }
        out.add(new MetricFamilySamples("network_ips_accessed", Type.COUNTER, "Flows towards each destination address", is));
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
        if (s.labelNames().isEmpty()) {
            return names;
        }
        List<String> all = new ArrayList<>(names);
        all.addAll(s.labelNames());
        return all;
    }

    private static List<String> values(Settings s, String[] values) {
        List<String> all = new ArrayList<>(values.length + s.labelValues().size());
        Collections.addAll(all, values);
        all.addAll(s.labelValues());
        return all;
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
