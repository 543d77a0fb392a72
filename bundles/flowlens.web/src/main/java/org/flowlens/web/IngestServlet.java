package org.flowlens.web;

import java.io.IOException;
import java.io.InputStream;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.json.FlowJsonReader;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowPipeline;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code POST /ingest}: one flow object or an array of them into the pipeline. Valid items of an
 * array are taken even when others are not; the answer says how many of each and names the field
 * that made each rejected item invalid.
 */
@Component(service = Servlet.class, configurationPid = "flowlens.ingest")
@HttpWhiteboardServletPattern("/ingest")
@Designate(ocd = IngestServlet.Config.class)
public class IngestServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final int MAX_ERRORS_LISTED = 100;
    /** The reader keeps per-call state and is not thread-safe: one per request thread. */
    private static final ThreadLocal<FlowJsonReader> READER = ThreadLocal.withInitial(FlowJsonReader::new);

    @ObjectClassDefinition(name = "Flowlens JSON ingest", description = "POST /ingest: flow records as JSON from scripts and agents.")
    public @interface Config {
        @AttributeDefinition(name = "Maximum body size", description = "Largest request body accepted, in bytes; larger requests get 413.")
        long maxBodyBytes() default 16 * 1024 * 1024;

        @AttributeDefinition(name = "Maximum records per request", description = "Largest array accepted; larger requests get 413.")
        int maxRecords() default 100_000;
    }

    private final transient FlowPipeline pipeline;
    private final transient Counter accepted;
    private final transient Counter rejected;
    private final transient Counter refused;
    private final transient Counter unknownFields;
    private volatile Config config;
    @Reference
    private transient Agents agents;

    @Activate
    public IngestServlet(@Reference FlowPipeline pipeline, @Reference Metrics metrics, Config config) {
        this.pipeline = pipeline;
        this.config = config;
        accepted = metrics.counter("flowlens_ingest_records_total", "JSON records taken by POST /ingest", "result", "accepted");
        rejected = metrics.counter("flowlens_ingest_records_total", "JSON records taken by POST /ingest", "result", "rejected");
        refused = metrics.counter("flowlens_ingest_requests_refused_total", "POST /ingest requests refused whole (malformed, too large, pipeline full)");
        unknownFields = metrics.counter("flowlens_ingest_unknown_fields_total", "Fields of ingested records that Flowlens does not know and ignored");
    }

    @Modified
    void modified(Config next) {
        config = next;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Config c = config;
        long declared = req.getContentLengthLong();
        if (declared > c.maxBodyBytes()) {
            refused.increment();
            JsonResponses.error(req, resp, 413, "request body of " + declared + " bytes is larger than the limit of " + c.maxBodyBytes());
            return;
        }
        String type = req.getContentType();
        if (type != null && !type.toLowerCase().startsWith("application/json")) {
            refused.increment();
            JsonResponses.error(req, resp, 415, "Content-Type must be application/json, got " + FlowJson.clip(type));
            return;
        }
        byte[] body;
        try (InputStream in = new LimitedInputStream(req.getInputStream(), c.maxBodyBytes())) {
            body = in.readAllBytes();
        } catch (LimitedInputStream.TooLarge e) {
            refused.increment();
            JsonResponses.error(req, resp, 413, "request body is larger than the limit of " + c.maxBodyBytes() + " bytes");
            return;
        }
        long now = System.currentTimeMillis();
        FlowBatch batch = new FlowBatch(64);
        JsonArray errors = new JsonArray();
        int[] bad = new int[1];
        int unknown;
        try {
            unknown = READER.get().readAll(body, 0, body.length, batch, now, (index, problem) -> {
                bad[0]++;
                if (errors.size() < MAX_ERRORS_LISTED) {
                    JsonObject err = new JsonObject();
                    err.addProperty("index", index);
                    err.addProperty("field", problem.field());
                    err.addProperty("message", problem.getMessage());
                    errors.add(err);
                }
            });
        } catch (FlowJsonReader.FieldException e) {
            refused.increment();
            JsonResponses.error(req, resp, 400, e.getMessage());
            return;
        }
        if (batch.size() + bad[0] > c.maxRecords()) {
            refused.increment();
            JsonResponses.error(req, resp, 413, (batch.size() + bad[0]) + " records in one request; the limit is " + c.maxRecords());
            return;
        }
        unknownFields.add(unknown);
        rejected.add(bad[0]);
        if (!batch.isEmpty() && !pipeline.submit(batch, "json")) {
            refused.increment();
            JsonResponses.error(req, resp, 503, "the pipeline is full; " + batch.size() + " records were not taken, retry later");
            return;
        }
        accepted.add(batch.size());
        agents.ingested(req.getHeader(Agents.HEADER), req.getRemoteAddr(), batch.size(), bad[0], now);
        JsonObject answer = new JsonObject();
        answer.addProperty("accepted", batch.size());
        answer.addProperty("rejected", bad[0]);
        if (unknown > 0) {
            answer.addProperty("ignored_unknown_fields", unknown);
        }
        if (bad[0] > 0) {
            answer.add("errors", errors);
        }
        JsonResponses.send(req, resp, bad[0] > 0 ? 400 : 200, answer);
    }

    /** Stops reading past a byte limit, for bodies sent without a Content-Length. */
    static final class LimitedInputStream extends java.io.FilterInputStream {
        static final class TooLarge extends IOException {
            private static final long serialVersionUID = 1L;
        }

        private long left;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            left = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                throw new TooLarge();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                left -= n;
                if (left < 0) {
                    throw new TooLarge();
                }
            }
            return n;
        }
    }
}
