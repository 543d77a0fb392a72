package org.flowlens.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The administrator account, and the Felix Web Console's only way in: the runtime names this
 * provider in {@code felix.webconsole.security.providers}, so the console's built-in admin/admin
 * never works. With no password configured, the first start generates one, keeps only its hash in
 * Config Admin's persistent store and prints it once.
 */
@Component(service = SecurityProvider.class, configurationPid = AdminAccount.PID, property = SecurityProvider.PROPERTY_ID + "=flowlens")
@Designate(ocd = AdminAccount.Config.class)
public class AdminAccount implements SecurityProvider {
    static final String PID = "flowlens.security";
    private static final Logger LOG = LoggerFactory.getLogger(AdminAccount.class);
    private static final String REALM = "Flowlens";

    @ObjectClassDefinition(name = "Flowlens administrator", description = "The account that signs in to the Flowlens and Felix web consoles.")
    public @interface Config {
        @AttributeDefinition(name = "User name")
        String adminUser() default "admin";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, description = "Plain password, best given as $[env:FLOWLENS_ADMIN_PASSWORD] or $[secret:admin-password] so that it is never stored; overrides the hash.")
        String adminPassword() default "";

        @AttributeDefinition(name = "Password hash", description = "pbkdf2-sha256 hash of the password; generated with a random password on first start when no password is set.")
        String adminPasswordHash() default "";
    }

    private final ConfigurationAdmin configAdmin;
    private volatile String user;
    private volatile String hash;
    /** SHA-256 digests of Authorization headers already verified, so PBKDF2 runs once per credential. */
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

    @Activate
    public AdminAccount(@Reference ConfigurationAdmin configAdmin, Config config) throws IOException {
        this.configAdmin = configAdmin;
        apply(config);
    }

    @Modified
    void modified(Config config) throws IOException {
        apply(config);
    }

    private void apply(Config config) throws IOException {
        verified.clear();
        user = config.adminUser().isBlank() ? "admin" : config.adminUser().trim();
        String plain = config.adminPassword();
        if (plain != null && !plain.isEmpty() && !plain.startsWith("$[")) {
            hash = PasswordHash.hash(plain);
            return;
        }
        if (PasswordHash.isHash(config.adminPasswordHash())) {
            hash = config.adminPasswordHash();
            return;
        }
        if (!config.adminPasswordHash().isEmpty()) {
            LOG.error("adminPasswordHash in configuration {} is not a pbkdf2-sha256 hash; generating a new password instead", PID);
        }
        String generated = PasswordHash.generate();
        hash = PasswordHash.hash(generated);
        Configuration c = configAdmin.getConfiguration(PID, "?");
        Dictionary<String, Object> props = c.getProperties() != null ? c.getProperties() : new Hashtable<>();
        props.put("adminUser", user);
        props.put("adminPasswordHash", hash);
        c.update(props);
        LOG.warn("\n==========================================================================\n"
                + " No administrator password was configured, so one was generated:\n"
                + "     user: {}   password: {}\n"
                + " It is shown only this once; only its hash is stored. To set your own,\n"
                + " set FLOWLENS_ADMIN_PASSWORD in the environment, or adminPassword in\n"
                + " config/flowlens.security.cfg, or use the web console's configuration page.\n"
                + "==========================================================================", user, generated);
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String digest = digest(header + "\n" + hash);
            if (verified.containsKey(digest)) {
                return user;
            }
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0 && decoded.substring(0, colon).equals(user) && PasswordHash.matches(decoded.substring(colon + 1), hash)) {
                    if (verified.size() > 1000) {
                        verified.clear();
                    }
                    verified.put(digest, Boolean.TRUE);
                    return user;
                }
            } catch (IllegalArgumentException e) {
                // malformed base64: same answer as a wrong password
            }
        }
        try {
            response.setHeader("WWW-Authenticate", "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"");
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setContentLength(0);
            response.flushBuffer();
        } catch (IOException e) {
            // the client went away
        }
        return null;
    }

    /** Checks a user name and password, for the Flowlens console and API. */
    public boolean check(String userName, String password) {
        return user.equals(userName) && PasswordHash.matches(password, hash);
    }

    @Override
    public boolean authorize(Object authenticatedUser, String role) {
        return authenticatedUser != null;
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        verified.clear();
    }

    private static String digest(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
