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
 * {@code GET /api/auth/me} (who am I, may I go on without signing in, and the CSRF token),
 * {@code POST /api/auth/login} ({@code {"user":..., "password":...}}, sets the session cookie) and
 * {@code POST /api/auth/logout}.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/auth/*")
public class AuthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient Security security;

    @Activate
    public AuthServlet(@Reference Security security) {
        this.security = security;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!"/me".equals(req.getPathInfo())) {
            JsonResponses.error(req, resp, 404, "no such resource; try /api/auth/me");
            return;
        }
        Principal p = security.principal(req);
        JsonObject o = new JsonObject();
        o.addProperty("password_configured", security.passwordConfigured());
        if (p == null) {
            o.addProperty("login_required", true);
            JsonResponses.send(req, resp, 200, o);
            return;
        }
        o.addProperty("login_required", false);
        o.addProperty("user", p.name());
        o.addProperty("role", p.role().label());
        o.addProperty("via", p.via().name().toLowerCase(java.util.Locale.ROOT));
        String csrf;
        if (p.session() != null) {
            csrf = p.session().csrf;
        } else {
            csrf = SecurityFilter.cookie(req, SecurityFilter.CSRF_COOKIE);
            if (csrf == null || csrf.length() < 20) {
                csrf = LoginSessions.random(24);
                resp.addHeader("Set-Cookie", cookie(SecurityFilter.CSRF_COOKIE, csrf, req.isSecure(), -1));
            }
        }
        o.addProperty("csrf", csrf);
        JsonResponses.send(req, resp, 200, o);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!SecurityFilter.sameOrigin(req)) {
            JsonResponses.error(req, resp, 403, "cross-origin request refused");
            return;
        }
        String client = req.getRemoteAddr();
        if ("/logout".equals(req.getPathInfo())) {
            Principal p = security.principal(req);
            security.logout(p == null ? null : p.session());
            resp.addHeader("Set-Cookie", cookie(LoginSessions.COOKIE, "", req.isSecure(), 0));
            JsonObject o = new JsonObject();
            o.addProperty("signed_out", true);
            JsonResponses.send(req, resp, 200, o);
            return;
        }
        if (!"/login".equals(req.getPathInfo())) {
            JsonResponses.error(req, resp, 404, "no such resource; try /api/auth/login");
            return;
        }
        if (security.loginThrottled(client)) {
            resp.setHeader("Retry-After", "60");
            JsonResponses.error(req, resp, 429, "too many failed sign-ins from " + client + "; wait a minute");
            return;
        }
        JsonObject body;
        try {
            body = Requests.body(req);
        } catch (Requests.BadRequest e) {
            JsonResponses.error(req, resp, 400, e.getMessage());
            return;
        }
        LoginSessions.Session s = security.login(Requests.string(body, "user"), Requests.string(body, "password"), client);
        if (s == null) {
            JsonResponses.error(req, resp, 401, "wrong user name or password");
            return;
        }
        resp.addHeader("Set-Cookie", cookie(LoginSessions.COOKIE, s.id, req.isSecure(), -1));
        JsonObject o = new JsonObject();
        o.addProperty("user", s.user);
        o.addProperty("role", s.role.label());
        o.addProperty("csrf", s.csrf);
        JsonResponses.send(req, resp, 200, o);
    }

    static String cookie(String name, String value, boolean secure, int maxAge) {
        return name + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "") + (maxAge >= 0 ? "; Max-Age=" + maxAge : "");
    }
}
