package org.flowlens.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The console's static files ({@code /console/...}: HTML, JavaScript, CSS, the embedded ECharts),
 * from this bundle, gzip-compressed when the browser accepts it, with a Content-Security-Policy that
 * allows no script but the console's own. {@code /} redirects to the console.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({"/console/*", "/"})
public class ConsoleServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private record Resource(byte[] plain, byte[] gzip, String type, String etag) {}

    private final transient Map<String, Resource> cache = new ConcurrentHashMap<>();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String uri = req.getRequestURI();
        if (uri.equals("/") || uri.equals("/console")) {
            resp.sendRedirect("/console/");
            return;
        }
        if (!uri.startsWith("/console/")) {
            resp.sendError(404);
            return;
        }
        String path = uri.substring("/console/".length());
        if (path.isEmpty()) {
            path = "index.html";
        }
        if (path.contains("..") || path.contains("//") || path.startsWith("/") || path.contains("\\")) {
            resp.sendError(404);
            return;
        }
        Resource r = load(path);
        if (r == null) {
            resp.sendError(404);
            return;
        }
        resp.setContentType(r.type());
        resp.setHeader("Content-Security-Policy", CSP);
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("ETag", r.etag());
        resp.setHeader("Cache-Control", path.startsWith("vendor/") ? "public, max-age=86400" : "no-cache");
        if (r.etag().equals(req.getHeader("If-None-Match"))) {
            resp.setStatus(304);
            return;
        }
        String accept = req.getHeader("Accept-Encoding");
        byte[] body = r.plain();
        if (r.gzip() != null && accept != null && accept.contains("gzip")) {
            resp.setHeader("Content-Encoding", "gzip");
            resp.setHeader("Vary", "Accept-Encoding");
            body = r.gzip();
        }
        resp.setContentLength(body.length);
        try (OutputStream out = resp.getOutputStream()) {
            out.write(body);
        }
    }

    private Resource load(String path) throws IOException {
        Resource cached = cache.get(path);
        if (cached != null) {
            return cached;
        }
        URL url = getClass().getClassLoader().getResource("console/" + path);
        if (url == null) {
            return null;
        }
        byte[] plain;
        try (InputStream in = url.openStream()) {
            plain = in.readAllBytes();
        }
        String type = type(path);
        byte[] gzip = null;
        if (plain.length > 1024 && !type.startsWith("image/png")) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(plain.length / 3);
            try (GZIPOutputStream z = new GZIPOutputStream(bytes)) {
                z.write(plain);
            }
            gzip = bytes.toByteArray();
        }
        Resource r = new Resource(plain, gzip, type, "\"" + digest(plain) + "\"");
        cache.put(path, r);
        return r;
    }

    private static String type(String path) {
        String p = path.toLowerCase(java.util.Locale.ROOT);
        if (p.endsWith(".html")) {
            return "text/html;charset=utf-8";
        }
        if (p.endsWith(".js")) {
            return "text/javascript;charset=utf-8";
        }
        if (p.endsWith(".css")) {
            return "text/css;charset=utf-8";
        }
        if (p.endsWith(".json")) {
            return "application/json;charset=utf-8";
        }
        if (p.endsWith(".svg")) {
            return "image/svg+xml";
        }
        if (p.endsWith(".png")) {
            return "image/png";
        }
        if (p.endsWith(".yaml") || p.endsWith(".md") || p.endsWith("license")) {
            return "text/plain;charset=utf-8";
        }
        return "application/octet-stream";
    }

    private static String digest(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
