package org.flowlens.web;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Accounts, API tokens and login sessions of the Flowlens console, the REST API and the Felix Web
 * Console. Passwords are kept as PBKDF2 hashes, tokens as SHA-256 digests.
 *
 * <p>With no password configured and the server on loopback, the Flowlens console and API are open
 * to the local machine (as the tools Flowlens replaces are); the Felix Web Console, which can install
 * code, still asks for the administrator password, generated and printed once at first start. A
 * request that arrives on any other address while no password is configured is refused with a
 * message saying how to set one.
 */
@Component(service = Security.class, configurationPid = Security.PID)
@Designate(ocd = Security.Config.class)
public class Security {
    static final String PID = "flowlens.security";
    /** File in the bundle's data area holding the hash of the generated administrator password. */
    static final String GENERATED_FILE = "generated-admin-password.hash";
    private static final Logger LOG = LoggerFactory.getLogger(Security.class);
    static final String HOW_TO_SET = "Set a password: FLOWLENS_ADMIN_PASSWORD in the environment, or adminPassword (or adminPasswordHash, "
            + "or users) in config/flowlens.security.cfg; 'java -cp flowlens.web.jar org.flowlens.web.PasswordHash <password>' prints a hash.";

    @ObjectClassDefinition(name = "Flowlens security", description = "Users, roles, API tokens and login sessions of the Flowlens console, "
            + "the REST API and the Felix Web Console.")
    public @interface Config {
        @AttributeDefinition(name = "Administrator name")
        String adminUser() default "admin";

        @AttributeDefinition(name = "Administrator password", type = AttributeType.PASSWORD, description = "Plain password, best given as "
                + "$[env:FLOWLENS_ADMIN_PASSWORD] or $[secret:admin-password] so that it is never stored; overrides the hash.")
        String adminPassword() default "";

        @AttributeDefinition(name = "Administrator password hash", description = "pbkdf2-sha256 hash of the administrator password "
                + "(PasswordHash prints one).")
        String adminPasswordHash() default "";

        @AttributeDefinition(name = "Users", description = "One per entry: name:role:hash, role viewer or admin, hash a pbkdf2-sha256 hash.")
        String[] users() default {};

        @AttributeDefinition(name = "API tokens", description = "One per entry: name:role:sha256-hex, role ingest, viewer or admin; "
                + "scripts send the token as 'Authorization: Bearer <token>'. 'PasswordHash --token' makes one.")
        String[] tokens() default {};

        @AttributeDefinition(name = "Anonymous access", description = "Who may use the console without signing in.", options = {
            @Option(value = "auto", label = "Everyone on this machine while no password is configured and the server is on loopback"),
            @Option(value = "viewer", label = "Read-only for everyone (a wall display); changes need a login"),
            @Option(value = "none", label = "Nobody: always sign in")})
        String anonymousAccess() default "auto";

        @AttributeDefinition(name = "Session idle timeout (minutes)")
        int sessionIdleMinutes() default 30;

        @AttributeDefinition(name = "Session maximum age (hours)")
        int sessionMaxAgeHours() default 12;

        @AttributeDefinition(name = "Maximum sessions", description = "Sessions kept at once; the least recently used goes first.")
        int maxSessions() default 1000;

        @AttributeDefinition(name = "Failed logins per minute", description = "Per client address; more are answered 429.")
        int failedLoginsPerMinute() default 10;
    }

    /** What the configuration holds, validated as a whole. */
    record Accounts(Map<String, Account> users, Map<String, Account> tokens, boolean passwordConfigured, String anonymous,
            int failedLoginsPerMinute) {}

    record Account(String name, Role role, String hash) {}

    private final BundleContext context;
    private final LoginSessions sessions = new LoginSessions(30 * 60_000L, 12 * 3_600_000L, 1000);
    /** SHA-256 digests of Authorization headers already verified, so PBKDF2 runs once per credential. */
    private final Map<String, Account> verified = new ConcurrentHashMap<>();
    private final RateLimiter failedLogins = new RateLimiter(10_000);
    private volatile Accounts accounts;
    private volatile boolean nonLoopbackEndpoint;
    private EventLog events;

    @Activate
    public Security(BundleContext context, Config config, Map<String, Object> properties) throws IOException {
        this.context = context;
        try {
            apply(config, properties);
        } catch (IllegalArgumentException e) {
            LOG.error("Security configuration {} refused: {}. Nobody can sign in until it is fixed.", PID, e.getMessage());
            accounts = new Accounts(Map.of(), Map.of(), true, "none", 10);
        }
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) throws IOException {
        try {
            apply(config, properties);
            sessions.removeUser(null);
            record("configuration", "security configuration changed; signed-in sessions ended");
        } catch (IllegalArgumentException e) {
            LOG.error("Security configuration {} refused, keeping the previous one: {}", PID, e.getMessage());
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindEvents(EventLog log) {
        events = log;
    }

    void unbindEvents(EventLog log) {
        if (events == log) {
            events = null;
        }
    }

    /** Watches the HTTP endpoints so that a console on a public address without a password is refused loudly. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, service = HttpServiceRuntime.class)
    void bindRuntime(ServiceReference<HttpServiceRuntime> ref) {
        updatedRuntime(ref);
    }

    void updatedRuntime(ServiceReference<HttpServiceRuntime> ref) {
        Object endpoints = ref.getProperty("osgi.http.endpoint");
        boolean open = false;
        String where = "";
        for (String e : endpoints instanceof String[] a ? List.of(a) : endpoints instanceof String s ? List.of(s)
                : endpoints instanceof java.util.Collection<?> c ? c.stream().map(String::valueOf).toList() : List.<String>of()) {
            String host = hostOf(e);
            if (!host.isEmpty() && !isLoopback(host)) {
                open = true;
                where = e;
            }
        }
        nonLoopbackEndpoint = open;
        if (open && !accounts.passwordConfigured()) {
            LOG.error("\n==========================================================================\n"
                    + " The HTTP server listens on {} (not loopback) and no password is\n"
                    + " configured: Flowlens refuses to serve its console and API there.\n {}\n"
                    + "==========================================================================", where, HOW_TO_SET);
        }
    }

    void unbindRuntime(ServiceReference<HttpServiceRuntime> ref) {
        nonLoopbackEndpoint = false;
    }

    private void apply(Config config, Map<String, Object> properties) throws IOException {
        Map<String, Account> users = new HashMap<>();
        boolean configured = false;
        String admin = config.adminUser().isBlank() ? "admin" : config.adminUser().trim();
        String plain = config.adminPassword();
        if (plain == null || plain.isEmpty() || plain.startsWith("$[")) {
            plain = System.getenv("FLOWLENS_ADMIN_PASSWORD");
        }
        if (plain != null && !plain.isEmpty() && !plain.startsWith("$[")) {
            users.put(admin, new Account(admin, Role.ADMIN, PasswordHash.hash(plain)));
            configured = true;
        } else if (!config.adminPasswordHash().isEmpty()) {
            if (!PasswordHash.isHash(config.adminPasswordHash())) {
                throw new IllegalArgumentException("adminPasswordHash is not a pbkdf2-sha256 hash");
            }
            users.put(admin, new Account(admin, Role.ADMIN, config.adminPasswordHash()));
            configured = true;
        }
        for (String entry : config.users()) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            String[] p = entry.trim().split(":", 3);
            if (p.length != 3 || p[0].isBlank()) {
                throw new IllegalArgumentException("user entry '" + FlowJson.clip(entry) + "' is not name:role:hash");
            }
            Role role = Role.parse(p[1]);
            if (role == Role.INGEST) {
                throw new IllegalArgumentException("user " + p[0] + ": the ingest role is for API tokens; users are viewer or admin");
            }
            if (!PasswordHash.isHash(p[2])) {
                throw new IllegalArgumentException("user " + p[0] + ": the password must be a pbkdf2-sha256 hash (PasswordHash prints one)");
            }
            users.put(p[0], new Account(p[0], role, p[2]));
            configured = true;
        }
        Map<String, Account> tokens = new HashMap<>();
        for (String entry : config.tokens()) {
            if (entry == null || entry.isBlank()) {
                continue;
            }
            String[] p = entry.trim().split(":", 3);
            if (p.length != 3 || p[0].isBlank() || !p[2].matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("token entry for '" + FlowJson.clip(p[0]) + "' is not name:role:sha256-hex");
            }
            tokens.put(p[2].toLowerCase(Locale.ROOT), new Account(p[0], Role.parse(p[1]), p[2]));
        }
        String anonymous = config.anonymousAccess().trim().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "viewer", "none").contains(anonymous)) {
            throw new IllegalArgumentException("anonymousAccess must be auto, viewer or none, got " + FlowJson.clip(anonymous));
        }
        if (config.sessionIdleMinutes() < 1 || config.sessionMaxAgeHours() < 1 || config.maxSessions() < 1 || config.failedLoginsPerMinute() < 1) {
            throw new IllegalArgumentException("session limits and failed logins per minute must be at least 1");
        }
        if (!configured) {
            // the Felix Web Console always needs a credential: a generated one, printed once, only its hash kept
            // kept in the bundle's own data area, not in the configuration (which may be a file the operator edits)
            File keep = context.getDataFile(GENERATED_FILE);
            String kept = keep != null && keep.isFile() ? Files.readString(keep.toPath(), StandardCharsets.UTF_8).trim() : null;
            String hash = PasswordHash.isHash(kept) ? kept : null;
            if (hash == null) {
                String generated = PasswordHash.generate();
                hash = PasswordHash.hash(generated);
                if (keep != null) {
                    Files.writeString(keep.toPath(), hash + "\n", StandardCharsets.UTF_8);
                }
                LOG.warn("\n==========================================================================\n"
                        + " No password is configured. The Flowlens console is open on loopback\n"
                        + " only; the Felix Web Console (/system/console) signs in with:\n"
                        + "     user: {}   password: {}\n"
                        + " It is shown only this once; only its hash is stored.\n {}\n"
                        + "==========================================================================", admin, generated, HOW_TO_SET);
            }
            users.put(admin, new Account(admin, Role.ADMIN, hash));
        }
        sessions.limits(config.sessionIdleMinutes() * 60_000L, config.sessionMaxAgeHours() * 3_600_000L, config.maxSessions());
        verified.clear();
        accounts = new Accounts(Map.copyOf(users), Map.copyOf(tokens), configured, anonymous, config.failedLoginsPerMinute());
        if (nonLoopbackEndpoint && !configured) {
            LOG.error("The HTTP server is not on loopback and no password is configured: the console is refused. {}", HOW_TO_SET);
        }
    }

    boolean passwordConfigured() {
        return accounts.passwordConfigured();
    }

    /**
     * Why this request must be refused whatever its credentials, or null: it came in on an address
     * other than loopback while no password is configured.
     */
    String refusal(HttpServletRequest req) {
        if (accounts.passwordConfigured() || isLoopback(req.getLocalAddr())) {
            return null;
        }
        return "Flowlens does not serve its console on " + req.getLocalAddr() + " without a password. " + HOW_TO_SET;
    }

    /** The principal of a request: API token, Basic credentials, session cookie or anonymous access; null when none applies. */
    Principal principal(HttpServletRequest req) {
        String header = req.getHeader("Authorization");
        if (header != null) {
            if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                Account a = accounts.tokens().get(PasswordHash.sha256Hex(header.substring(7).trim()));
                return a == null ? null : new Principal(a.name(), a.role(), Principal.Via.TOKEN, null);
            }
            if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
                Account a = basic(header, req.getRemoteAddr());
                return a == null ? null : new Principal(a.name(), a.role(), Principal.Via.BASIC, null);
            }
            return null;
        }
        LoginSessions.Session s = sessions.find(cookie(req), System.currentTimeMillis());
        if (s != null) {
            Account current = accounts.users().get(s.user);
            if (current == null) {
                sessions.remove(s.id);
                return null;
            }
            return new Principal(s.user, current.role(), Principal.Via.SESSION, s);
        }
        return anonymous(req);
    }

    /** The anonymous principal this request gets, or null when it must sign in. */
    Principal anonymous(HttpServletRequest req) {
        Accounts a = accounts;
        if ("auto".equals(a.anonymous()) && !a.passwordConfigured() && isLoopback(req.getLocalAddr()) && loopbackHost(req.getHeader("Host"))) {
            return new Principal("anonymous", Role.ADMIN, Principal.Via.ANONYMOUS, null);
        }
        if ("viewer".equals(a.anonymous())) {
            return new Principal("anonymous", Role.VIEWER, Principal.Via.ANONYMOUS, null);
        }
        return null;
    }

    /** Checks a user name and password; on success opens a session. Null when wrong. */
    LoginSessions.Session login(String user, String password, String client) {
        Account a = user == null ? null : accounts.users().get(user);
        if (a != null && password != null && PasswordHash.matches(password, a.hash())) {
            LoginSessions.Session s = sessions.create(a.name(), a.role(), System.currentTimeMillis());
            record("login", "user " + a.name() + " signed in from " + client);
            return s;
        }
        failedLogins.tryAcquire(client, accounts.failedLoginsPerMinute() / 60.0, accounts.failedLoginsPerMinute());
        record("login", "failed sign-in as '" + FlowJson.clip(String.valueOf(user)) + "' from " + client);
        return null;
    }

    /** True while a client has had too many failed logins recently. */
    boolean loginThrottled(String client) {
        int perMinute = accounts.failedLoginsPerMinute();
        return !failedLogins.available(client, perMinute / 60.0, perMinute);
    }

    void logout(LoginSessions.Session s) {
        if (s != null) {
            sessions.remove(s.id);
            record("login", "user " + s.user + " signed out");
        }
    }

    /** Checks a user name and password without opening a session (the Felix Web Console's Basic authentication). */
    boolean check(String user, String password) {
        Account a = user == null ? null : accounts.users().get(user);
        return a != null && PasswordHash.matches(password, a.hash());
    }

    int sessionCount() {
        return sessions.size();
    }

    private Account basic(String header, String client) {
        Accounts current = accounts;
        String digest = PasswordHash.sha256Hex(header);
        Account known = verified.get(digest);
        if (known != null && current.users().get(known.name()) == known) {
            return known;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon > 0) {
                Account a = current.users().get(decoded.substring(0, colon));
                if (a != null && PasswordHash.matches(decoded.substring(colon + 1), a.hash())) {
                    if (verified.size() > 1000) {
                        verified.clear();
                    }
                    verified.put(digest, a);
                    return a;
                }
            }
        } catch (IllegalArgumentException e) {
            // malformed base64: same answer as a wrong password
        }
        failedLogins.tryAcquire(client, current.failedLoginsPerMinute() / 60.0, current.failedLoginsPerMinute());
        return null;
    }

    private void record(String type, String message) {
        EventLog log = events;
        if (log != null) {
            log.record(type, message);
        }
    }

    static String cookie(HttpServletRequest req) {
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (LoginSessions.COOKIE.equals(c.getName())) {
                    return c.getValue();
                }
            }
        }
        return null;
    }

    static boolean isLoopback(String address) {
        if (address == null) {
            return false;
        }
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        return a.startsWith("127.") || a.equals("::1") || a.equals("0:0:0:0:0:0:0:1") || a.equalsIgnoreCase("localhost")
                || a.startsWith("::ffff:127.");
    }

    /** A Host header naming this machine by a loopback name, so that a DNS-rebinding page cannot use the open console. */
    static boolean loopbackHost(String host) {
        if (host == null || host.isEmpty()) {
            return true;
        }
        return isLoopback(hostOf(host));
    }

    /** The host part of {@code host[:port]}, {@code [v6]:port} or a URL. */
    static String hostOf(String text) {
        String s = text.trim();
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            s = s.substring(scheme + 3);
        }
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end > 0 ? s.substring(1, end) : s;
        }
        int colon = s.indexOf(':');
        return colon >= 0 && s.indexOf(':', colon + 1) < 0 ? s.substring(0, colon) : s;
    }
}
