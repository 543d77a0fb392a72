package org.flowlens.web;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertService;
import org.flowlens.api.store.AlertPage;
import org.flowlens.api.store.AlertSearch;
import org.flowlens.api.store.FlowStore;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/alerts} (active ones, or {@code ?state=all} for the history, {@code detector},
 * {@code limit}), {@code GET /api/alerts/<id>}, and {@code POST /api/alerts/ack} with
 * {@code {"id": ..., "note": ...}} (admin role, CSRF token). When a flow store runs, the history
 * comes from the store, which keeps alerts past the alert service's bounded memory and across
 * restarts ({@code since}, {@code until}, {@code key}, {@code offset} page through it); entries the
 * alert service still holds are the fresher ones and replace the store's.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/api/alerts", "/api/alerts/*"})
public class AlertsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient volatile AlertService alerts;
    private transient volatile EventLog events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindAlerts(AlertService a) {
        alerts = a;
    }

    void unbindAlerts(AlertService a) {
        if (alerts == a) {
            alerts = null;
        }
    }

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

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindEvents(EventLog e) {
        events = e;
    }

    void unbindEvents(EventLog e) {
        if (events == e) {
            events = null;
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        AlertService a = alerts;
        FlowStore fs = store;
        String history = Requests.text(req, "state");
        if (history != null && !history.equals("active") && !history.equals("all")) {
            JsonResponses.error(req, resp, 400, "state must be active or all, got " + history);
            return;
        }
        if (fs != null && history != null && !history.equals("active") && (req.getPathInfo() == null || req.getPathInfo().length() <= 1)) {
            try {
                JsonResponses.send(req, resp, 200, storedHistory(req, a, fs));
            } catch (Requests.BadRequest e) {
                JsonResponses.error(req, resp, 400, e.getMessage());
            } catch (IllegalArgumentException | IllegalStateException e) {
                JsonResponses.error(req, resp, 503, "the flow store cannot answer: " + e.getMessage());
            }
            return;
        }
        if (a == null) {
            JsonResponses.error(req, resp, 503, "no alert service is running (flowlens.detect)");
            return;
        }
        try {
            String id = req.getPathInfo();
            if (id != null && id.length() > 1) {
                Optional<AlertEntry> e = a.get(id.substring(1));
                if (e.isEmpty()) {
                    JsonResponses.error(req, resp, 404, "no alert with that id in the history");
                } else {
                    JsonResponses.send(req, resp, 200, e.get());
                }
                return;
            }
            String state = Requests.text(req, "state");
            int limit = Requests.integer(req, "limit", 200, 1, 10_000);
            List<AlertEntry> list = state == null || state.equals("active") ? a.active() : a.history(Requests.text(req, "detector"), limit);
            JsonObject o = new JsonObject();
            o.addProperty("state", state == null ? "active" : state);
            o.add("detectors", JsonResponses.GSON.toJsonTree(a.detectors()));
            o.add("alerts", JsonResponses.GSON.toJsonTree(list.subList(0, Math.min(limit, list.size()))));
            o.addProperty("source", "memory");
            JsonResponses.send(req, resp, 200, o);
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        }
    }

    /**
     * The history from the flow store: one page of the alerts with an event in {@code [since,
     * until)}, most recently updated first, with entries the alert service still holds in their
     * fresher form, and on the first page also the alerts raised since the store's last flush.
     */
    private static JsonObject storedHistory(HttpServletRequest req, AlertService a, FlowStore fs) throws Requests.BadRequest {
        long now = System.currentTimeMillis();
        int limit = Requests.integer(req, "limit", 200, 1, AlertSearch.MAX_LIMIT);
        int offset = Requests.integer(req, "offset", 0, 0, Integer.MAX_VALUE - AlertSearch.MAX_LIMIT);
        long since = Requests.time(req, "since", 0, now);
        long until = Requests.time(req, "until", now + 1, now);
        if (since >= until) {
            throw new Requests.BadRequest("since must be before until");
        }
        String detector = Requests.text(req, "detector");
        String key = Requests.text(req, "key");
        AlertSearch first = new AlertSearch(since, until, detector, key, 0, limit);
        AlertPage page = fs.alerts(offset == 0 ? first : new AlertSearch(since, until, detector, key, offset, limit));
        List<AlertEntry> remembered = a == null ? List.of() : a.history(detector, limit + offset);
        // alerts not in the store yet: on top of the first page, and in the total of every page
        List<AlertEntry> unflushed = unflushed(offset == 0 ? page : fs.alerts(first), limit, remembered, since, until, key);
        Map<String, AlertEntry> byId = new LinkedHashMap<>();
        for (AlertEntry e : page.alerts()) {
            byId.put(e.alert().id(), e);
        }
        for (AlertEntry e : remembered) {
            if (byId.containsKey(e.alert().id())) {
                byId.put(e.alert().id(), e); // the alert service's entry is the fresher one
            }
        }
        if (offset == 0) {
            for (AlertEntry e : unflushed) {
                byId.put(e.alert().id(), e);
            }
        }
        List<AlertEntry> list = new ArrayList<>(byId.values());
        list.sort(Comparator.comparingLong((AlertEntry e) -> e.alert().lastMillis()).reversed());
        JsonObject o = new JsonObject();
        o.addProperty("state", "all");
        o.add("detectors", JsonResponses.GSON.toJsonTree(a == null ? List.of() : a.detectors()));
        o.addProperty("source", "store");
        o.addProperty("total", page.total() + unflushed.size());
        o.addProperty("offset", offset);
        o.addProperty("limit", limit);
        o.add("alerts", JsonResponses.GSON.toJsonTree(list));
        return o;
    }

    /**
     * The alerts the alert service remembers that match and that the store's first page does not
     * hold: newer than its last entry, or any when it is not full (an older one is on a later page).
     */
    private static List<AlertEntry> unflushed(AlertPage first, int limit, List<AlertEntry> remembered, long since, long until,
            String key) {
        Set<String> stored = new HashSet<>();
        long oldest = Long.MAX_VALUE;
        for (AlertEntry e : first.alerts()) {
            stored.add(e.alert().id());
            oldest = Math.min(oldest, e.alert().lastMillis());
        }
        long newEnough = first.alerts().size() < limit ? Long.MIN_VALUE : oldest;
        List<AlertEntry> out = new ArrayList<>();
        for (AlertEntry e : remembered) {
            long t = e.alert().lastMillis();
            if (!stored.contains(e.alert().id()) && t >= since && t < until && t >= newEnough
                    && (key == null || key.equals(e.alert().key()))) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"/ack".equals(req.getPathInfo())) {
            JsonResponses.error(req, resp, 404, "POST /api/alerts/ack acknowledges an alert");
            return;
        }
        AlertService a = alerts;
        if (a == null) {
            JsonResponses.error(req, resp, 503, "no alert service is running (flowlens.detect)");
            return;
        }
        try {
            JsonObject body = Requests.body(req);
            String id = Requests.string(body, "id");
            if (id == null || id.isBlank()) {
                throw new Requests.BadRequest("id is required");
            }
            String note = Requests.string(body, "note");
            if (note != null && note.length() > 1000) {
                throw new Requests.BadRequest("note is longer than 1000 characters");
            }
            Principal p = (Principal) req.getAttribute(Principal.ATTRIBUTE);
            String by = p == null ? "anonymous" : p.name();
            Optional<AlertEntry> e = a.acknowledge(id, by, note == null ? "" : note);
            if (e.isEmpty()) {
                JsonResponses.error(req, resp, 404, "no alert with that id in the history");
                return;
            }
            EventLog log = events;
            if (log != null) {
                log.record("action", "alert " + e.get().alert().detector() + " " + e.get().alert().key() + " acknowledged"
                        + (note == null || note.isBlank() ? "" : ": " + note), by);
            }
            JsonResponses.send(req, resp, 200, e.get());
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        }
    }
}
