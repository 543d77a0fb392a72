package org.flowlens.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The Felix Web Console's only way in: the runtime names this provider in
 * {@code felix.webconsole.security.providers}, so the console's built-in admin/admin never works.
 * It uses the Flowlens accounts ({@link Security}): an administrator signed in to the Flowlens
 * console is let in by the session cookie, others authenticate with Basic credentials of an admin
 * user. Anonymous loopback access never opens the Felix Web Console, and on an address other than
 * loopback it is refused while no password is configured.
 */
@Component(service = SecurityProvider.class, property = SecurityProvider.PROPERTY_ID + "=flowlens")
public class AdminAccount implements SecurityProvider {
    private static final String REALM = "Flowlens";

    private final Security security;

    @Activate
    public AdminAccount(@Reference Security security) {
        this.security = security;
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String refusal = security.refusal(request);
        try {
            if (refusal != null) {
                byte[] body = (refusal + "\n").getBytes(StandardCharsets.UTF_8);
                response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                response.setContentType("text/plain;charset=utf-8");
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
                response.flushBuffer();
                return null;
            }
            Principal p = security.principal(request);
            if (p != null && p.via() != Principal.Via.ANONYMOUS && p.via() != Principal.Via.TOKEN && p.role() == Role.ADMIN) {
                return p.name();
            }
            response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setContentLength(0);
            response.flushBuffer();
        } catch (IOException e) {
            // the client went away
        }
        return null;
    }

    /** Checks a user name and password of an administrator. */
    public boolean check(String userName, String password) {
        return security.check(userName, password);
    }

    @Override
    public boolean authorize(Object authenticatedUser, String role) {
        return authenticatedUser != null;
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // Basic credentials are the browser's to forget; a Flowlens session ends with POST /api/auth/logout
    }
}
