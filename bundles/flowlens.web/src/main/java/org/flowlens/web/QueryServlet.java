package org.flowlens.web;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertService;
import org.flowlens.api.enrich.AddressInfo;
import org.flowlens.api.enrich.AddressLookup;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.DistinctTop;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.HostDetail;
import org.flowlens.api.query.HostTop;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.Point;
import org.flowlens.api.query.TopN;
import org.flowlens.api.query.Trend;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The read API over the aggregator: windows, overview, top talkers, hosts and their drill-down,
 * ports, generic top-N of any configured dimension, trend and throughput, countries, and sources
 * that look like scanners. Answers 503 while the aggregator is not running.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/api/windows", "/api/overview", "/api/top_ips", "/api/ips", "/api/ip", "/api/ip/*", "/api/ports",
    "/api/top", "/api/metrics/*", "/api/trend", "/api/countries", "/api/bad-ips"})
public class QueryServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient FlowPipeline pipeline;
    private transient volatile FlowQueryService query;
    private transient volatile AddressLookup lookup;
    private transient volatile AlertService alerts;
    private transient volatile LiveHub live;

    @Activate
    public QueryServlet(@Reference FlowPipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindQuery(FlowQueryService q) {
        query = q;
    }

    void unbindQuery(FlowQueryService q) {
        if (query == q) {
            query = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindLookup(AddressLookup l) {
        lookup = l;
    }

    void unbindLookup(AddressLookup l) {
        if (lookup == l) {
            lookup = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindAlerts(AlertService a) {
        alerts = a;
    }

    void unbindAlerts(AlertService a) {
        if (alerts == a) {
            alerts = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindLive(LiveHub h) {
        live = h;
    }

    void unbindLive(LiveHub h) {
        if (live == h) {
            live = null;
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        FlowQueryService q = query;
        if (q == null) {
            JsonResponses.error(req, resp, 503, "the aggregator (flowlens.aggregate) is not running; no windows to query");
            return;
        }
        String path = req.getRequestURI();
        try {
            Object answer = switch (path) {
                case "/api/windows" -> windows(q);
                case "/api/overview" -> overview(req, q);
                case "/api/top_ips" -> q.hosts(Requests.window(req, q.windows()), Requests.metric(req), limit(req, q, 20));
                case "/api/ips" -> ips(req, q);
                case "/api/ip" -> host(req, q, "all");
                case "/api/ip/protocols" -> host(req, q, "protocols");
                case "/api/ip/peers" -> host(req, q, "peers");
                case "/api/ip/ports" -> host(req, q, "ports");
                case "/api/ports" -> q.ports(Requests.window(req, q.windows()), limit(req, q, 50));
                case "/api/top", "/api/metrics/top" -> top(req, q);
                case "/api/trend" -> trend(req, q);
                case "/api/metrics/throughput" -> throughput(req, q);
                case "/api/countries" -> countries(req, q);
                case "/api/bad-ips" -> badIps(req, q);
                default -> null;
            };
            if (answer == null) {
                JsonResponses.error(req, resp, 404, "no such resource: " + FlowJson.clip(path));
                return;
            }
            JsonResponses.send(req, resp, 200, answer);
        } catch (Requests.BadRequest | IllegalArgumentException e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        }
    }

    private static int limit(HttpServletRequest req, FlowQueryService q, int def) throws Requests.BadRequest {
        return Requests.integer(req, "limit", Math.min(def, q.topN()), 1, Math.max(1, q.topN()));
    }

    private static JsonObject windows(FlowQueryService q) {
        JsonObject o = new JsonObject();
        JsonArray w = new JsonArray();
        q.windows().forEach(d -> w.add(d.toSeconds()));
        o.add("windows", w);
        JsonArray d = new JsonArray();
        q.dimensions().forEach(d::add);
        o.add("dimensions", d);
        o.addProperty("top_n", q.topN());
        o.add("totals", JsonResponses.GSON.toJsonTree(q.totals()));
        o.add("status", JsonResponses.GSON.toJsonTree(q.status()));
        return o;
    }

    private JsonObject overview(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        Duration window = Requests.window(req, q.windows());
        JsonObject o = new JsonObject();
        o.add("totals", JsonResponses.GSON.toJsonTree(q.window(window)));
        o.add("delivered", JsonResponses.GSON.toJsonTree(pipeline.delivered()));
        o.add("top_hosts", JsonResponses.GSON.toJsonTree(q.hosts(window, Metric.BYTES, Math.min(10, q.topN()))));
        if (q.dimensions().contains(FlowQueryService.PROTOCOLS)) {
            o.add("protocols", JsonResponses.GSON.toJsonTree(q.top(window, FlowQueryService.PROTOCOLS, Metric.BYTES, Math.min(10, q.topN()))));
        }
        Duration step = Duration.ofSeconds(Math.max(5, window.toSeconds() / 30));
        o.add("trend", JsonResponses.GSON.toJsonTree(q.trend(window.multipliedBy(2).compareTo(Duration.ofMinutes(10)) < 0 ? Duration.ofMinutes(10)
                : window.multipliedBy(2), step, 5)));
        AlertService a = alerts;
        if (a != null) {
            List<AlertEntry> active = a.active();
            o.addProperty("active_alerts", active.size());
            o.add("alerts", JsonResponses.GSON.toJsonTree(active.subList(0, Math.min(5, active.size()))));
        }
        return o;
    }

    private JsonObject ips(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        HostTop top = q.hosts(Requests.window(req, q.windows()), Requests.metric(req), limit(req, q, q.topN()));
        JsonObject o = JsonResponses.GSON.toJsonTree(top).getAsJsonObject();
        AddressLookup l = lookup;
        if (l != null) {
            JsonArray hosts = o.getAsJsonArray("hosts");
            for (int i = 0; i < hosts.size(); i++) {
                JsonObject h = hosts.get(i).getAsJsonObject();
                info(h, l, top.hosts().get(i).address());
            }
        }
        return o;
    }

    private JsonObject host(HttpServletRequest req, FlowQueryService q, String part) throws Requests.BadRequest {
        String ip = Requests.text(req, "ip");
        if (ip == null) {
            throw new Requests.BadRequest("ip is required");
        }
        try {
            long[] a = IpAddresses.parse(ip);
            ip = IpAddresses.format(a[0], a[1]);
        } catch (IllegalArgumentException e) {
            throw new Requests.BadRequest("ip is not an IPv4 or IPv6 address: " + FlowJson.clip(ip));
        }
        HostDetail d = q.host(Requests.window(req, q.windows()), ip, limit(req, q, 50));
        JsonObject full = JsonResponses.GSON.toJsonTree(d).getAsJsonObject();
        AddressLookup l = lookup;
        if (l != null) {
            info(full, l, ip);
        }
        if (part.equals("all")) {
            return full;
        }
        JsonObject o = new JsonObject();
        for (String k : new String[] {"address", "window", "from_millis", "to_millis", "at_millis", "session_error"}) {
            o.add(k, full.get(k));
        }
        o.add(part, full.get(part));
        return o;
    }

    private static void info(JsonObject target, AddressLookup l, String address) {
        long[] a;
        try {
            a = IpAddresses.parse(address);
        } catch (IllegalArgumentException e) {
            return;
        }
        AddressInfo info = l.lookup(a[0], a[1]);
        if (info.countryCode() != null) {
            target.addProperty("country", info.countryCode());
        }
        if (info.countryName() != null) {
            target.addProperty("country_name", info.countryName());
        }
        if (info.city() != null) {
            target.addProperty("city", info.city());
        }
        if (info.asn() != 0) {
            target.addProperty("asn", info.asn());
        }
        if (info.asName() != null) {
            target.addProperty("as_name", info.asName());
        }
    }

    private static TopN top(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        String dimension = Requests.text(req, "dimension");
        return q.top(Requests.window(req, q.windows()), dimension == null ? FlowQueryService.PROTOCOLS : dimension, Requests.metric(req), limit(req, q, 20));
    }

    private static Trend trend(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        String span = Requests.text(req, "span");
        if (span == null) {
            span = Requests.text(req, "window");
        }
        Duration s = span == null ? Duration.ofHours(1) : Requests.duration(span, "span");
        String step = Requests.text(req, "step");
        Duration st = step == null ? Duration.ofSeconds(Math.max(5, s.toSeconds() / 60)) : Requests.duration(step, "step");
        if (s.isZero() || s.isNegative() || st.isZero() || st.isNegative()) {
            throw new Requests.BadRequest("span and step must be positive");
        }
        if (s.dividedBy(st) > 2000) {
            throw new Requests.BadRequest("at most 2000 steps per answer; use a larger step");
        }
        return q.trend(s, st, Requests.integer(req, "protocols", 5, 0, 20));
    }

    private static JsonObject throughput(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        long now = System.currentTimeMillis();
        long until = Requests.time(req, "until", now, now);
        long since = Requests.time(req, "since", until - 3_600_000L, now);
        if (since >= until) {
            throw new Requests.BadRequest("since must be before until");
        }
        Duration step = Duration.ofSeconds(Requests.integer(req, "step", 60, 1, 86_400));
        Duration span = Duration.ofMillis(Math.max(step.toMillis(), now - since));
        if (span.dividedBy(step) > 5000) {
            throw new Requests.BadRequest("at most 5000 steps per answer; use a larger step");
        }
        Trend t = q.trend(span, step, 0);
        JsonArray points = new JsonArray();
        for (Point p : t.total()) {
            if (p.toMillis() <= since || p.fromMillis() >= until) {
                continue;
            }
            JsonObject o = new JsonObject();
            o.addProperty("from", p.fromMillis());
            o.addProperty("to", p.toMillis());
            o.addProperty("bytes", p.bytes());
            o.addProperty("packets", p.packets());
            o.addProperty("flows", p.flows());
            o.addProperty("bits_per_second", p.bitsPerSecond());
            o.addProperty("packets_per_second", p.packetsPerSecond());
            points.add(o);
        }
        JsonObject o = new JsonObject();
        o.addProperty("since", since);
        o.addProperty("until", until);
        o.addProperty("step", t.stepMillis() / 1000);
        o.add("points", points);
        return o;
    }

    /** Traffic by country both ways, from the country dimensions, and city points from the recent records. */
    private JsonObject countries(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        Duration window = Requests.window(req, q.windows());
        int limit = limit(req, q, q.topN());
        Map<String, long[]> byCountry = new LinkedHashMap<>();
        JsonObject o = new JsonObject();
        o.addProperty("window", window.toSeconds());
        List<String> dims = q.dimensions();
        boolean any = false;
        for (int side = 0; side < 2; side++) {
            String dim = side == 0 ? FlowQueryService.SRC_COUNTRIES : FlowQueryService.DST_COUNTRIES;
            if (!dims.contains(dim)) {
                continue;
            }
            any = true;
            TopN top = q.top(window, dim, Metric.BYTES, limit);
            for (Group g : top.groups()) {
                String cc = g.key().get(0);
                long[] v = byCountry.computeIfAbsent(cc.isEmpty() ? "UNKNOWN" : cc, k -> new long[6]);
                v[side * 3] += g.bytes();
                v[side * 3 + 1] += g.packets();
                v[side * 3 + 2] += g.flows();
            }
        }
        JsonArray rows = new JsonArray();
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(byCountry.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[3], a.getValue()[0] + a.getValue()[3]));
        for (Map.Entry<String, long[]> e : sorted) {
            long[] v = e.getValue();
            JsonObject r = new JsonObject();
            r.addProperty("country", e.getKey());
            String iso3 = iso3(e.getKey());
            if (iso3 != null) {
                r.addProperty("iso3", iso3);
            }
            r.addProperty("bytes_sent", v[0]);
            r.addProperty("packets_sent", v[1]);
            r.addProperty("flows_sent", v[2]);
            r.addProperty("bytes_received", v[3]);
            r.addProperty("packets_received", v[4]);
            r.addProperty("flows_received", v[5]);
            rows.add(r);
        }
        o.addProperty("country_dimensions", any);
        o.add("countries", rows);
        o.add("cities", cities());
        return o;
    }

    private static String iso3(String cc) {
        if (cc.length() != 2) {
            return null;
        }
        try {
            return new Locale("", cc).getISO3Country();
        } catch (java.util.MissingResourceException e) {
            return null;
        }
    }

    private JsonArray cities() {
        LiveHub h = live;
        JsonArray out = new JsonArray();
        if (h == null) {
            return out;
        }
        long[] total = new long[1];
        Map<String, Object[]> points = new HashMap<>();
        for (FlowRecord r : h.recent(RecordFilter.ALL, 0, Long.MAX_VALUE, 0, Integer.MAX_VALUE, total)) {
            add(points, r.srcCity(), r.srcCountry(), r.srcLatitude(), r.srcLongitude(), r.bytes());
            add(points, r.dstCity(), r.dstCountry(), r.dstLatitude(), r.dstLongitude(), r.bytes());
        }
        List<Object[]> list = new ArrayList<>(points.values());
        list.sort((a, b) -> Long.compare((long) b[4], (long) a[4]));
        for (Object[] p : list.subList(0, Math.min(500, list.size()))) {
            JsonObject o = new JsonObject();
            o.addProperty("city", (String) p[0]);
            o.addProperty("country", (String) p[1]);
            o.addProperty("latitude", (float) p[2]);
            o.addProperty("longitude", (float) p[3]);
            o.addProperty("bytes", (long) p[4]);
            out.add(o);
        }
        return out;
    }

    private static void add(Map<String, Object[]> points, String city, String country, float lat, float lon, long bytes) {
        if (Float.isNaN(lat) || Float.isNaN(lon)) {
            return;
        }
        String key = lat + "," + lon;
        Object[] p = points.computeIfAbsent(key, k -> new Object[] {city == null ? "" : city, country == null ? "" : country, lat, lon, 0L});
        p[4] = (long) p[4] + bytes;
    }

    /** Sources reaching many destinations or ports (scanners, no-response sweeps), flagged when an active alert names them. */
    private JsonObject badIps(HttpServletRequest req, FlowQueryService q) throws Requests.BadRequest {
        Duration window = Requests.window(req, q.windows());
        String by = Requests.text(req, "by");
        DistinctTop.By order = "destinations".equalsIgnoreCase(by) ? DistinctTop.By.DESTINATIONS : DistinctTop.By.PORTS;
        int min = Requests.integer(req, "min", 10, 1, Integer.MAX_VALUE);
        DistinctTop top = q.distinctBySource(window, order, limit(req, q, 50));
        Map<String, String> flagged = new HashMap<>();
        AlertService a = alerts;
        if (a != null) {
            for (AlertEntry e : a.active()) {
                flagged.putIfAbsent(e.alert().key(), e.alert().detector());
            }
        }
        JsonArray rows = new JsonArray();
        for (DistinctTop.Source s : top.sources()) {
            long distinct = order == DistinctTop.By.PORTS ? s.distinctPorts() : s.distinctDestinations();
            if (distinct < min && !flagged.containsKey(s.address())) {
                continue;
            }
            JsonObject r = JsonResponses.GSON.toJsonTree(s).getAsJsonObject();
            String detector = flagged.get(s.address());
            if (detector != null) {
                r.addProperty("alert", detector);
            }
            rows.add(r);
        }
        JsonObject o = new JsonObject();
        o.addProperty("window", window.toSeconds());
        o.addProperty("order", order.name().toLowerCase(Locale.ROOT));
        o.addProperty("min", min);
        o.addProperty("relative_error", top.relativeError());
        o.add("sources", rows);
        return o;
    }

    static JsonElement tree(Object o) {
        return JsonResponses.GSON.toJsonTree(o);
    }
}
