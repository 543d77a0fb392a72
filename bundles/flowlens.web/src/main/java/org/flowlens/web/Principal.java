package org.flowlens.web;

/**
 * Who a request acts for.
 *
 * @param name user or token name; {@code anonymous} for the open loopback console
 * @param role what it may do
 * @param via how it was recognised
 * @param session the login session, or null for tokens, Basic authentication and anonymous access
 */
record Principal(String name, Role role, Via via, LoginSessions.Session session) {
    /** Request attribute holding the principal once the security filter has recognised it. */
    static final String ATTRIBUTE = "org.flowlens.web.principal";

    enum Via { SESSION, TOKEN, BASIC, ANONYMOUS }

    /** Browsers attach cookies and cached Basic credentials on their own, so those need CSRF protection. */
    boolean needsCsrf() {
        return via != Via.TOKEN;
    }
}
