package org.flowlens.web;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Console login sessions: random ids in an HttpOnly cookie, each with its own CSRF token, expiring
 * after a period of inactivity and after a maximum age; the number kept is bounded.
 */
final class LoginSessions {
    static final String COOKIE = "flowlens_session";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One signed-in browser. */
    static final class Session {
        final String id;
        final String user;
        final Role role;
        final String csrf;
        final long createdMillis;
        volatile long lastSeenMillis;

        Session(String id, String user, Role role, String csrf, long now) {
            this.id = id;
            this.user = user;
            this.role = role;
            this.csrf = csrf;
            this.createdMillis = now;
            this.lastSeenMillis = now;
        }
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private volatile long idleMillis;
    private volatile long maxAgeMillis;
    private volatile int maxSessions;

    LoginSessions(long idleMillis, long maxAgeMillis, int maxSessions) {
        limits(idleMillis, maxAgeMillis, maxSessions);
    }

    void limits(long idle, long maxAge, int max) {
        idleMillis = idle;
        maxAgeMillis = maxAge;
        maxSessions = max;
    }

    Session create(String user, Role role, long now) {
        expire(now);
        if (sessions.size() >= maxSessions) {
            evictOldest();
        }
        Session s = new Session(random(32), user, role, random(24), now);
        sessions.put(s.id, s);
        return s;
    }

    /** The live session with this id, touched; null when unknown or expired. */
    Session find(String id, long now) {
        if (id == null) {
            return null;
        }
        Session s = sessions.get(id);
        if (s == null) {
            return null;
        }
        if (now - s.lastSeenMillis > idleMillis || now - s.createdMillis > maxAgeMillis) {
            sessions.remove(id);
            return null;
        }
        s.lastSeenMillis = now;
        return s;
    }

    void remove(String id) {
        if (id != null) {
            sessions.remove(id);
        }
    }

    /** Ends every session of a user, or all when null (e.g. when the accounts change). */
    void removeUser(String user) {
        sessions.values().removeIf(s -> user == null || s.user.equals(user));
    }

    int size() {
        return sessions.size();
    }

    private void expire(long now) {
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext();) {
            Session s = it.next();
            if (now - s.lastSeenMillis > idleMillis || now - s.createdMillis > maxAgeMillis) {
                it.remove();
            }
        }
    }

    private void evictOldest() {
        Session oldest = null;
        for (Session s : sessions.values()) {
            if (oldest == null || s.lastSeenMillis < oldest.lastSeenMillis) {
                oldest = s;
            }
        }
        if (oldest != null) {
            sessions.remove(oldest.id);
        }
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
