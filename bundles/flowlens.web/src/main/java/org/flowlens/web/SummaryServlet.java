package org.flowlens.web;

import java.io.IOException;

import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.metrics.Sample;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.Totals;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code GET /api/summary}: what has gone through the pipeline since start, and what it dropped. */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/summary")
public class SummaryServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient FlowPipeline pipeline;
    private final transient Metrics metrics;

    @Activate
    public SummaryServlet(@Reference FlowPipeline pipeline, @Reference Metrics metrics) {
        this.pipeline = pipeline;
        this.metrics = metrics;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Totals t = pipeline.delivered();
        long received = 0, dropped = 0;
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals("flowlens_pipeline_received_records_total")) {
                received += (long) s.value();
            } else if (s.name().equals("flowlens_pipeline_dropped_records_total") || s.name().equals("flowlens_consumer_dropped_records_total")) {
                dropped += (long) s.value();
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("flows", t.flows());
        o.addProperty("bytes", t.bytes());
        o.addProperty("packets", t.packets());
        o.addProperty("received", received);
        o.addProperty("dropped", dropped);
        o.addProperty("since", t.sinceMillis());
        o.addProperty("at", t.atMillis());
        JsonResponses.send(req, resp, 200, o);
    }
}
