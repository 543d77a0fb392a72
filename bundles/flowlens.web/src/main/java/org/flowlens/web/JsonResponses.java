package org.flowlens.web;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import java.time.Duration;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Writes JSON answers, gzip-compressed when the client accepts it. */
final class JsonResponses {
    /**
     * API answers use snake_case field names like {@code POST /ingest} does; durations are seconds,
     * floating-point values that are not finite are written as null.
     */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .registerTypeAdapter(Duration.class, new TypeAdapter<Duration>() {
                @Override
                public void write(JsonWriter out, Duration d) throws IOException {
                    if (d == null) {
                        out.nullValue();
                    } else {
                        out.value(d.toMillis() / 1000.0);
                    }
                }

                @Override
                public Duration read(JsonReader in) throws IOException {
                    return Duration.ofMillis(Math.round(in.nextDouble() * 1000));
                }
            })
            .registerTypeAdapter(Double.class, new TypeAdapter<Double>() {
                @Override
                public void write(JsonWriter out, Double d) throws IOException {
                    if (d == null || d.isNaN() || d.isInfinite()) {
                        out.nullValue();
                    } else {
                        out.value(d.doubleValue());
                    }
                }

                @Override
                public Double read(JsonReader in) throws IOException {
                    return in.nextDouble();
                }
            })
            .registerTypeAdapter(double.class, new TypeAdapter<Double>() {
                @Override
                public void write(JsonWriter out, Double d) throws IOException {
                    if (d == null || d.isNaN() || d.isInfinite()) {
                        out.nullValue();
                    } else {
                        out.value(d.doubleValue());
                    }
                }

                @Override
                public Double read(JsonReader in) throws IOException {
                    return in.nextDouble();
                }
            })
            .create();
    private static final int GZIP_THRESHOLD = 1024;

    private JsonResponses() {}

    static void send(HttpServletRequest req, HttpServletResponse resp, int status, Object body) throws IOException {
        byte[] json = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        String accept = req.getHeader("Accept-Encoding");
        if (json.length >= GZIP_THRESHOLD && accept != null && accept.contains("gzip")) {
            resp.setHeader("Content-Encoding", "gzip");
            resp.setHeader("Vary", "Accept-Encoding");
            try (OutputStream out = new GZIPOutputStream(resp.getOutputStream())) {
                out.write(json);
            }
        } else {
            resp.setContentLength(json.length);
            try (OutputStream out = resp.getOutputStream()) {
                out.write(json);
            }
        }
    }

    static void error(HttpServletRequest req, HttpServletResponse resp, int status, String message) throws IOException {
        if (req.getContentLengthLong() != 0 && !"GET".equals(req.getMethod()) && !resp.isCommitted()) {
            // a refused request's body may be left unread: the connection ends with the answer, rather
            // than under the client's next request on it
            resp.setHeader("Connection", "close");
        }
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        send(req, resp, status, o);
    }

    static Writer writer(OutputStream out) {
        return new OutputStreamWriter(out, StandardCharsets.UTF_8);
    }
}
