package org.flowlens.web;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertService;
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
 * {@code {"id": ..., "note": ...}} (admin role, CSRF token).
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
            JsonResponses.send(req, resp, 200, o);
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        }
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
