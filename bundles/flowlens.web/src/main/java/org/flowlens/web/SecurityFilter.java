package org.flowlens.web;

import java.io.IOException;

import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * In front of the console, the API, the WebSockets and {@code /ingest}: refuses everything on a
 * public address while no password is configured, recognises the principal (API token, Basic
 * credentials, session cookie, anonymous loopback access), checks its role, protects
 * state-changing calls against cross-site requests (same-origin check plus a CSRF token) and limits
 * the rate of {@code /ingest} per client. {@code /healthz} and {@code /metrics} are not behind it.
 */
@Component(service = Filter.class, configurationPid = SecurityFilter.PID)
@HttpWhiteboardFilterPattern({"/api/*", "/ingest", "/ws/*", "/console/*"})
@Designate(ocd = SecurityFilter.Config.class)
public class SecurityFilter implements Filter {
    static final String PID = "flowlens.web.http";
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_COOKIE = "flowlens_csrf";
    private static final Logger LOG = LoggerFactory.getLogger(SecurityFilter.class);

    @ObjectClassDefinition(name = "Flowlens HTTP limits", description = "Rate limits of the API in front of POST /ingest.")
    public @interface Config {
        @AttributeDefinition(name = "Ingest requests per second", description = "Per client (address, or token name for token clients).")
        double ingestRequestsPerSecond() default 100;

        @AttributeDefinition(name = "Ingest burst", description = "Requests a client may send at once before the rate applies.")
        int ingestBurst() default 200;
    }

    private final Security security;
    private final RateLimiter ingestLimiter = new RateLimiter(10_000);
    private final Counter limited;
    private final Counter denied;
    private volatile Config config;

    @Activate
    public SecurityFilter(@Reference Security security, @Reference Metrics metrics, Config config) {
        this.security = security;
        this.limited = metrics.counter("flowlens_http_requests_refused_total", "HTTP requests refused before reaching the API", "reason", "rate_limited");
        this.denied = metrics.counter("flowlens_http_requests_refused_total", "HTTP requests refused before reaching the API", "reason", "unauthorized");
        modified(config);
    }

    @Modified
    void modified(Config next) {
        if (next.ingestRequestsPerSecond() <= 0 || next.ingestBurst() < 1) {
            LOG.error("{}: the ingest rate and burst must be positive; keeping the previous limits", PID);
            return;
        }
        config = next;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String path = req.getRequestURI();
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("Referrer-Policy", "no-referrer");
        // agents post their health reports with the same (ingest) tokens they send flows with
        boolean ingest = path.equals("/ingest") || path.equals(AgentsServlet.HEALTH_PATH);
        String refusal = security.refusal(req);
        Principal principal = security.principal(req);
        if (refusal != null && (principal == null || principal.via() != Principal.Via.TOKEN)) {
            denied.increment();
            if (path.startsWith("/api/") || ingest || path.startsWith("/ws/")) {
                JsonResponses.error(req, resp, 503, refusal);
            } else {
                resp.setStatus(503);
                resp.setContentType("text/plain;charset=utf-8");
                resp.getWriter().println(refusal);
            }
            return;
        }
        if (!path.startsWith("/api/") && !ingest && !path.startsWith("/ws/") || path.startsWith("/api/auth/")) {
            chain.doFilter(request, response);
            return;
        }
        if (principal == null) {
            denied.increment();
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"Flowlens\"");
            JsonResponses.error(req, resp, 401, req.getHeader("Authorization") != null ? "invalid credentials or token"
                    : "sign in (POST /api/auth/login) or send an API token (Authorization: Bearer ...)");
            return;
        }
        String method = req.getMethod();
        boolean changes = !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
        boolean allowed = ingest ? principal.role().canIngest() : changes ? principal.role().canAdminister() : principal.role().canRead();
        if (!allowed) {
            denied.increment();
            JsonResponses.error(req, resp, 403, "the " + principal.role().label() + " role may not " + (ingest ? "ingest" : changes ? "change anything" : "read this"));
            return;
        }
        if ((changes || path.startsWith("/ws/")) && principal.needsCsrf() && !sameOrigin(req)) {
            denied.increment();
            JsonResponses.error(req, resp, 403, "cross-origin request refused");
            return;
        }
        if (changes && principal.needsCsrf()) {
            if (ingest) {
                String type = req.getContentType();
                if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                    denied.increment();
                    JsonResponses.error(req, resp, 415, "Content-Type must be application/json");
                    return;
                }
            } else if (!csrfMatches(req, principal)) {
                denied.increment();
                JsonResponses.error(req, resp, 403, "missing or wrong " + CSRF_HEADER + " header (GET /api/auth/me gives the token)");
                return;
            }
        }
        if (ingest && changes) {
            Config c = config;
            String key = principal.via() == Principal.Via.TOKEN ? "token:" + principal.name() : req.getRemoteAddr();
            if (!ingestLimiter.tryAcquire(key, c.ingestRequestsPerSecond(), c.ingestBurst())) {
                limited.increment();
                resp.setHeader("Retry-After", Long.toString(ingestLimiter.retryAfterSeconds(c.ingestRequestsPerSecond())));
                JsonResponses.error(req, resp, 429, "too many requests from this client; the limit is " + c.ingestRequestsPerSecond() + " per second");
                return;
            }
        }
        req.setAttribute(Principal.ATTRIBUTE, principal);
        chain.doFilter(request, response);
    }

    /** The session's token, or for anonymous and Basic clients the double-submit cookie's value. */
    static boolean csrfMatches(HttpServletRequest req, Principal p) {
        String sent = req.getHeader(CSRF_HEADER);
        if (sent == null || sent.isEmpty()) {
            return false;
        }
        String expected = p.session() != null ? p.session().csrf : cookie(req, CSRF_COOKIE);
        return expected != null && java.security.MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                sent.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** No Origin header (not a browser, or a same-origin GET), or an Origin naming the host the request was sent to. */
    static boolean sameOrigin(HttpServletRequest req) {
        String origin = req.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        String host = req.getHeader("Host");
        if (host == null) {
            return false;
        }
        int scheme = origin.indexOf("://");
        String authority = scheme >= 0 ? origin.substring(scheme + 3) : origin;
        return authority.equalsIgnoreCase(host);
    }

    static String cookie(HttpServletRequest req, String name) {
        jakarta.servlet.http.Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (jakarta.servlet.http.Cookie c : cookies) {
                if (name.equals(c.getName())) {
                    return c.getValue();
                }
            }
        }
        return null;
    }
}
