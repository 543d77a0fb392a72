package org.flowlens.web;

import java.io.IOException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/agents}: the agents that forward to this server, with their last contact, what
 * they sent and their last health report. {@code POST /api/agents/health}: an agent's health
 * report (the ingest role may post it, like {@code /ingest}).
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({AgentsServlet.LIST_PATH, AgentsServlet.HEALTH_PATH})
public class AgentsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String LIST_PATH = "/api/agents";
    static final String HEALTH_PATH = "/api/agents/health";

    private final transient Agents agents;

    @Activate
    public AgentsServlet(@Reference Agents agents) {
        this.agents = agents;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!LIST_PATH.equals(req.getRequestURI())) {
            JsonResponses.error(req, resp, 405, "POST a health report to " + HEALTH_PATH + "; GET " + LIST_PATH + " lists the agents");
            return;
        }
        JsonObject o = new JsonObject();
        o.add("agents", agents.list(System.currentTimeMillis()));
        o.addProperty("silent_after_seconds", Agents.SILENT_AFTER_MS / 1000);
        JsonResponses.send(req, resp, 200, o);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!HEALTH_PATH.equals(req.getRequestURI())) {
            JsonResponses.error(req, resp, 405, "only " + HEALTH_PATH + " takes a POST");
            return;
        }
        JsonObject report;
        try {
            report = Requests.body(req);
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
            return;
        }
        String name = req.getHeader(Agents.HEADER);
        if (name == null) {
            name = Requests.string(report, "agent");
        }
        if (!Agents.validName(name)) {
            JsonResponses.error(req, resp, 400, "name the agent in the " + Agents.HEADER + " header or the \"agent\" field (1-128 printable ASCII characters)");
            return;
        }
        agents.health(name, req.getRemoteAddr(), report, System.currentTimeMillis());
        JsonObject answer = new JsonObject();
        answer.addProperty("agent", name);
        JsonResponses.send(req, resp, 200, answer);
    }
}
