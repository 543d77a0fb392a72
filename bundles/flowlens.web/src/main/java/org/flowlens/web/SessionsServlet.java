package org.flowlens.web;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.TopN;
import org.flowlens.api.store.FlowPage;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.FlowStore;
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
 * {@code GET /api/sessions}: the live sessions (5-tuples) of a window from the aggregator, or, with
 * {@code since}/{@code until}, the flow records of that time; {@code GET /api/logs}: flow log
 * search with pagination, from the flow store when one runs, else from the recent records kept in
 * memory (the answer's {@code source} says which); {@code GET /api/history/protocols|ports|talkers}:
 * long-range views from the flow store.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/api/sessions", "/api/logs", "/api/history", "/api/history/*"})
public class SessionsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient LiveHub live;
    private transient volatile FlowQueryService query;
    private transient volatile FlowStore store;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindStore(FlowStore s) {
        store = s;
    }

    void unbindStore(FlowStore s) {
        if (store == s) {
            store = null;
        }
    }

    @Activate
    public SessionsServlet(@Reference LiveHub live) {
        this.live = live;
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

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            if (req.getRequestURI().startsWith("/api/history")) {
                history(req, resp);
                return;
            }
            RecordFilter filter = RecordFilter.of(req);
            boolean logs = req.getRequestURI().equals("/api/logs");
            boolean timed = Requests.text(req, "since") != null || Requests.text(req, "until") != null;
            if (!logs && !timed) {
                FlowQueryService q = query;
                if (q == null) {
                    JsonResponses.error(req, resp, 503, "the aggregator (flowlens.aggregate) is not running; ask with since/until for recent records");
                    return;
                }
                Duration window = Requests.window(req, q.windows());
                int limit = Requests.integer(req, "limit", 100, 1, Math.max(1, q.topN()));
                TopN top = q.top(window, FlowQueryService.SESSIONS, Requests.metric(req), q.topN());
                JsonObject o = new JsonObject();
                o.addProperty("source", "aggregate");
                o.addProperty("window", window.toSeconds());
                o.addProperty("from", top.fromMillis());
                o.addProperty("to", top.toMillis());
                o.addProperty("total_bytes", top.totalBytes());
                o.addProperty("total_flows", top.totalFlows());
                o.add("error", JsonResponses.GSON.toJsonTree(top.error()));
                o.add("sessions", rows(top, filter, limit));
                JsonResponses.send(req, resp, 200, o);
                return;
            }
            long now = System.currentTimeMillis();
            long until = Requests.time(req, "until", now, now);
            long since = Requests.time(req, "since", 0, now);
            int limit = Requests.integer(req, "limit", 100, 1, 1000);
            int offset = Requests.integer(req, "offset", 0, 0, Integer.MAX_VALUE);
            FlowStore st = store;
            if (st != null && Requests.text(req, "q") == null) {
                FlowPage page = st.search(search(req, since == 0 ? until - 86_400_000L : since, until + 1, offset, limit));
                JsonArray rows = new JsonArray();
                for (FlowRecord r : page.flows()) {
                    rows.add(FlowJson.write(r));
                }
                JsonObject o = new JsonObject();
                o.addProperty("source", "store");
                o.addProperty("since", page.search().fromMillis());
                o.addProperty("until", page.search().toMillis());
                o.addProperty("offset", offset);
                o.addProperty("limit", limit);
                o.addProperty("total", page.total());
                o.addProperty("has_more", page.hasMore());
                o.add(logs ? "records" : "sessions", rows);
                JsonResponses.send(req, resp, 200, o);
                return;
            }
            long[] total = new long[1];
            List<FlowRecord> records = live.recent(filter, since, until, offset, limit, total);
            JsonArray rows = new JsonArray();
            for (FlowRecord r : records) {
                rows.add(FlowJson.write(r));
            }
            JsonObject o = new JsonObject();
            o.addProperty("source", "recent");
            o.addProperty("note", "the " + live.ringCapacity() + " most recent records kept in memory");
            o.addProperty("since", since);
            o.addProperty("until", until);
            o.addProperty("offset", offset);
            o.addProperty("limit", limit);
            o.addProperty("total", total[0]);
            o.add(logs ? "records" : "sessions", rows);
            JsonResponses.send(req, resp, 200, o);
        } catch (Requests.BadRequest | IllegalArgumentException e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        } catch (IllegalStateException e) {
            JsonResponses.error(req, resp, 503, "the flow store cannot answer: " + e.getMessage());
        }
    }

    /** The store's search for the log filters: ip with side, src, dst, router, ports, protocol, order. */
    static FlowSearch search(HttpServletRequest req, long from, long to, int offset, int limit) throws Requests.BadRequest {
        FlowSearch s = FlowSearch.between(from, to).page(offset, limit);
        String ip = Requests.text(req, "ip");
        if (ip != null) {
            String side = String.valueOf(Requests.text(req, "side"));
            s = side.equals("src") ? s.srcAddress(ip) : side.equals("dst") ? s.dstAddress(ip) : s.address(ip);
        }
        if (Requests.text(req, "src") != null) {
            s = s.srcAddress(Requests.text(req, "src"));
        }
        if (Requests.text(req, "dst") != null) {
            s = s.dstAddress(Requests.text(req, "dst"));
        }
        if (Requests.text(req, "router") != null) {
            s = s.exporter(Requests.text(req, "router"));
        }
        s = s.port(Requests.integer(req, "port", FlowSearch.ANY, 0, 65535)).srcPort(Requests.integer(req, "src_port", FlowSearch.ANY, 0, 65535))
                .dstPort(Requests.integer(req, "dst_port", FlowSearch.ANY, 0, 65535));
        String protocol = Requests.text(req, "protocol");
        if (protocol != null) {
            int n = Protocols.number(protocol);
            if (n < 0) {
                throw new Requests.BadRequest("protocol must be a name such as TCP, UDP, ICMP or a number 0-255, got " + FlowJson.clip(protocol));
            }
            s = s.protocol(n);
        }
        String order = Requests.text(req, "sort");
        if (order != null) {
            s = s.order(switch (order) {
                case "oldest" -> FlowSearch.Order.OLDEST_FIRST;
                case "bytes" -> FlowSearch.Order.BYTES;
                default -> FlowSearch.Order.NEWEST_FIRST;
            });
        }
        return s;
    }

    /** {@code /api/history/protocols}, {@code /api/history/ports}, {@code /api/history/talkers}: since, until, step, order, limit. */
    private void history(HttpServletRequest req, HttpServletResponse resp) throws IOException, Requests.BadRequest {
        FlowStore st = store;
        if (st == null) {
            JsonResponses.error(req, resp, 503, "no flow store is running (flowlens.store); history needs one");
            return;
        }
        long now = System.currentTimeMillis();
        long until = Requests.time(req, "until", now, now);
        long since = Requests.time(req, "since", until - 86_400_000L, now);
        long step = Requests.duration(Requests.text(req, "step") == null ? "1h" : Requests.text(req, "step"), "step").toMillis();
        int limit = Requests.integer(req, "limit", 10, 1, FlowStore.MAX_GROUPS);
        Object answer = switch (String.valueOf(req.getPathInfo())) {
            case "/ports" -> st.portSeries(since, until, step, Requests.metric(req), limit);
            case "/talkers" -> st.topTalkers(since, until, Requests.metric(req), limit);
            case "/status" -> st.status();
            default -> st.protocolSeries(since, until, step, Requests.metric(req), limit);
        };
        JsonResponses.send(req, resp, 200, answer);
    }

    /** Session rows of a 5-tuple top-N that pass the filter, with each one's share of the window's bytes. */
    static JsonArray rows(TopN top, RecordFilter filter, int limit) {
        List<String> f = top.fields();
        int src = f.indexOf("src_addr"), sp = f.indexOf("src_port"), dst = f.indexOf("dst_addr"), dp = f.indexOf("dst_port"), pr = f.indexOf("protocol");
        JsonArray rows = new JsonArray();
        FlowRecord probe = new FlowRecord();
        for (Group g : top.groups()) {
            if (rows.size() >= limit) {
                break;
            }
            List<String> k = g.key();
            try {
                long[] s = IpAddresses.parse(k.get(src));
                long[] d = IpAddresses.parse(k.get(dst));
                probe.src(s[0], s[1]).dst(d[0], d[1]).srcPort(parse(k.get(sp))).dstPort(parse(k.get(dp))).protocol(Math.max(0, Protocols.number(k.get(pr))));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (!filter.matches(probe)) {
                continue;
            }
            JsonObject o = new JsonObject();
            o.addProperty("src_ip", k.get(src));
            o.addProperty("src_port", parse(k.get(sp)));
            o.addProperty("dst_ip", k.get(dst));
            o.addProperty("dst_port", parse(k.get(dp)));
            o.addProperty("protocol", k.get(pr));
            o.addProperty("bytes", g.bytes());
            o.addProperty("packets", g.packets());
            o.addProperty("flows", g.flows());
            o.addProperty("share", top.totalBytes() == 0 ? 0 : (double) g.bytes() / top.totalBytes());
            o.addProperty("bits_per_second", Double.isFinite(g.bitsPerSecond()) ? g.bitsPerSecond() : 0);
            rows.add(o);
        }
        return rows;
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
