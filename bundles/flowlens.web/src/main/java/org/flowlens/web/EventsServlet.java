package org.flowlens.web;

import java.io.IOException;
import java.util.List;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code GET /api/events?q=&type=&since=&until=&offset=&limit=}: the events log, newest first. */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/events")
public class EventsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient EventLog log;

    @Activate
    public EventsServlet(@Reference EventLog log) {
        this.log = log;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            long now = System.currentTimeMillis();
            long[] total = new long[1];
            int offset = Requests.integer(req, "offset", 0, 0, Integer.MAX_VALUE);
            int limit = Requests.integer(req, "limit", 100, 1, 1000);
            List<EventLog.Event> events = log.search(Requests.text(req, "type"), Requests.text(req, "q"), Requests.time(req, "since", 0, now),
                    Requests.time(req, "until", Long.MAX_VALUE, now), offset, limit, total);
            JsonObject o = new JsonObject();
            o.addProperty("total", total[0]);
            o.addProperty("offset", offset);
            o.addProperty("limit", limit);
            o.add("events", JsonResponses.GSON.toJsonTree(events));
            JsonResponses.send(req, resp, 200, o);
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
        }
    }
}
