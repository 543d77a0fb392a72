package org.flowlens.web;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.FlowQueryService;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/status} (capture sources, pipeline, aggregator, connections),
 * {@code POST /api/capture/start} and {@code /api/capture/stop} with {@code {"name": ...}},
 * {@code GET /api/collectors} (exporters seen per listener with datagrams, records, sequence gaps and
 * drops by reason; pipeline and consumer queues) and {@code GET /api/plugins} (bundles).
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/api/status", "/api/capture/*", "/api/collectors", "/api/plugins"})
public class StatusServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient FlowPipeline pipeline;
    private final transient Metrics metrics;
    private final transient BundleContext context;
    private final transient LiveHub live;
    private final transient Security security;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile List<CaptureSource> sources = List.of();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile FlowQueryService query;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    transient volatile EventLog events;

    @Activate
    public StatusServlet(@Reference FlowPipeline pipeline, @Reference Metrics metrics, @Reference LiveHub live, @Reference Security security,
            BundleContext context) {
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.live = live;
        this.security = security;
        this.context = context;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        switch (req.getRequestURI()) {
            case "/api/status" -> JsonResponses.send(req, resp, 200, status());
            case "/api/collectors" -> JsonResponses.send(req, resp, 200, collectors());
            case "/api/plugins" -> JsonResponses.send(req, resp, 200, plugins());
            default -> JsonResponses.error(req, resp, 404, "capture sources are started and stopped with POST");
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String action = req.getPathInfo();
        if (!"/start".equals(action) && !"/stop".equals(action)) {
            JsonResponses.error(req, resp, 404, "POST /api/capture/start or /api/capture/stop with {\"name\": ...}");
            return;
        }
        try {
            String name = Requests.string(Requests.body(req), "name");
            if (name == null || name.isBlank()) {
                throw new Requests.BadRequest("name is required (GET /api/status lists the sources)");
            }
            CaptureSource source = null;
            for (CaptureSource s : sources) {
                if (name.equals(s.name())) {
                    source = s;
                }
            }
            if (source == null) {
                JsonResponses.error(req, resp, 404, "no capture source named " + FlowJson.clip(name));
                return;
            }
            if (action.equals("/start")) {
                source.start();
            } else {
                source.stop();
            }
            Principal p = (Principal) req.getAttribute(Principal.ATTRIBUTE);
            EventLog log = events;
            if (log != null) {
                log.record("action", "capture source " + name + (action.equals("/start") ? " started" : " stopped"), p == null ? null : p.name());
            }
            JsonResponses.send(req, resp, 200, source(source));
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        } catch (RuntimeException e) {
            JsonResponses.error(req, resp, 500, "the capture source failed: " + e.getMessage());
        }
    }

    private JsonObject status() {
        JsonObject o = new JsonObject();
        JsonArray list = new JsonArray();
        for (CaptureSource s : sources) {
            list.add(source(s));
        }
        o.add("sources", list);
        o.add("delivered", JsonResponses.GSON.toJsonTree(pipeline.delivered()));
        FlowQueryService q = query;
        o.addProperty("aggregator", q != null);
        if (q != null) {
            o.add("aggregate_status", JsonResponses.GSON.toJsonTree(q.status()));
        }
        o.addProperty("live_clients", live.clientCount());
        o.addProperty("recent_records", Math.min(live.ringTotal(), live.ringCapacity()));
        o.addProperty("sessions", security.sessionCount());
        o.addProperty("password_configured", security.passwordConfigured());
        o.addProperty("uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
        o.addProperty("version", context.getBundle().getVersion().toString());
        return o;
    }

    private static JsonObject source(CaptureSource s) {
        JsonObject o = new JsonObject();
        o.addProperty("name", s.name());
        o.addProperty("state", s.state().name());
        JsonObject st = new JsonObject();
        try {
            for (Map.Entry<String, Object> e : s.status().entrySet()) {
                Object v = e.getValue();
                if (v instanceof Number n && !(v instanceof Double d && !Double.isFinite(d)) && !(v instanceof Float f && !Float.isFinite(f))) {
                    st.addProperty(e.getKey(), n);
                } else if (v != null) {
                    st.addProperty(e.getKey(), String.valueOf(v));
                }
            }
        } catch (RuntimeException e) {
            st.addProperty("error", e.toString());
        }
        o.add("status", st);
        return o;
    }

    /** Groups the collector, pipeline and consumer samples of the metrics registry for the Collectors page. */
    private JsonObject collectors() {
        Map<String, JsonObject> exporters = new TreeMap<>();
        Map<String, JsonObject> consumers = new TreeMap<>();
        JsonObject pipe = new JsonObject();
        JsonObject drops = new JsonObject();
        JsonArray undecodable = new JsonArray();
        JsonArray other = new JsonArray();
        for (Sample s : metrics.snapshot()) {
            String n = s.name();
            if (!n.startsWith("flowlens_")) {
                continue;
            }
            String exporter = s.label("exporter");
            String consumer = s.label("consumer");
            if (n.startsWith("flowlens_collector_") && exporter != null) {
                String listener = s.label("listener");
                JsonObject e = exporters.computeIfAbsent(listener + "|" + exporter, k -> {
                    JsonObject x = new JsonObject();
                    x.addProperty("listener", listener);
                    x.addProperty("exporter", exporter);
                    x.add("dropped", new JsonObject());
                    return x;
                });
                String field = n.substring("flowlens_collector_".length()).replace("_total", "");
                if (field.equals("dropped")) {
                    e.getAsJsonObject("dropped").addProperty(String.valueOf(s.label("reason")), (long) s.value());
                } else {
                    e.addProperty(field, (long) s.value());
                }
            } else if (n.startsWith("flowlens_consumer_") && consumer != null && s.type() != Sample.Type.HISTOGRAM_BUCKET) {
                JsonObject c = consumers.computeIfAbsent(consumer, k -> {
                    JsonObject x = new JsonObject();
                    x.addProperty("consumer", consumer);
                    return x;
                });
                String field = n.substring("flowlens_consumer_".length()).replace("_total", "");
                if (s.type() == Sample.Type.HISTOGRAM_SUM || s.type() == Sample.Type.HISTOGRAM_COUNT) {
                    field += s.type() == Sample.Type.HISTOGRAM_SUM ? "_sum" : "_count";
                }
                c.addProperty(field, s.value());
            } else if (n.equals("flowlens_collector_undecodable_datagrams_total")) {
                JsonObject u = new JsonObject();
                u.addProperty("version", s.label("version"));
                u.addProperty("datagrams", (long) s.value());
                undecodable.add(u);
            } else if (n.equals("flowlens_pipeline_dropped_records_total")) {
                drops.addProperty(String.valueOf(s.label("reason")), (long) s.value());
            } else if (n.startsWith("flowlens_pipeline_") && s.type() != Sample.Type.HISTOGRAM_BUCKET && s.labels().isEmpty()) {
                pipe.addProperty(n.substring("flowlens_pipeline_".length()), s.value());
            } else if (s.type() == Sample.Type.COUNTER || s.type() == Sample.Type.GAUGE) {
                JsonObject x = new JsonObject();
                x.addProperty("name", n);
                x.add("labels", JsonResponses.GSON.toJsonTree(s.labels()));
                x.addProperty("value", Double.isFinite(s.value()) ? s.value() : 0);
                other.add(x);
            }
        }
        pipe.add("dropped", drops);
        JsonObject o = new JsonObject();
        o.add("exporters", JsonResponses.GSON.toJsonTree(new ArrayList<>(exporters.values())));
        o.add("consumers", JsonResponses.GSON.toJsonTree(new ArrayList<>(consumers.values())));
        o.add("pipeline", pipe);
        o.add("undecodable", undecodable);
        o.add("other", other);
        JsonArray src = new JsonArray();
        for (CaptureSource s : sources) {
            src.add(source(s));
        }
        o.add("sources", src);
        return o;
    }

    private JsonObject plugins() {
        JsonArray list = new JsonArray();
        for (Bundle b : context.getBundles()) {
            JsonObject o = new JsonObject();
            o.addProperty("id", b.getBundleId());
            o.addProperty("name", b.getSymbolicName());
            o.addProperty("version", b.getVersion().toString());
            o.addProperty("state", switch (b.getState()) {
                case Bundle.ACTIVE -> "active";
                case Bundle.RESOLVED -> "resolved";
                case Bundle.INSTALLED -> "installed";
                case Bundle.STARTING -> "starting";
                case Bundle.STOPPING -> "stopping";
                default -> "uninstalled";
            });
            o.addProperty("location", b.getLocation());
            o.addProperty("flowlens", b.getSymbolicName() != null && b.getSymbolicName().startsWith("flowlens."));
            list.add(o);
        }
        JsonObject o = new JsonObject();
        o.add("bundles", list);
        o.addProperty("web_console", "/system/console/bundles");
        return o;
    }
}
