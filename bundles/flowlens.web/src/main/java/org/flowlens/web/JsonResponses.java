package org.flowlens.web;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Writes JSON answers, gzip-compressed when the client accepts it. */
final class JsonResponses {
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
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
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        send(req, resp, status, o);
    }

    static Writer writer(OutputStream out) {
        return new OutputStreamWriter(out, StandardCharsets.UTF_8);
    }
}
