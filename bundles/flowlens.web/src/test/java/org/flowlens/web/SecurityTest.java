package org.flowlens.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

class SecurityTest {
    @TempDir
    Path data;

    private BundleContext context() {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class}, (p, m, a) -> {
            if (m.getName().equals("getDataFile")) {
                return data.resolve((String) a[0]).toFile();
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }

    private String generated() throws Exception {
        Path f = data.resolve(Security.GENERATED_FILE);
        return Files.exists(f) ? Files.readString(f).trim() : null;
    }

    private Security security(Map<String, Object> config) throws Exception {
        return new Security(context(), Stubs.config(Security.Config.class, config), Map.of());
    }

    @Test
    void withNothingConfiguredTheConsoleIsOpenOnLoopbackOnlyAndAPasswordIsGenerated() throws Exception {
        Security s = security(Map.of());
        String kept = generated();
        assertTrue(PasswordHash.isHash(kept), "only the hash of the generated password is kept");
        security(Map.of());
        assertEquals(kept, generated(), "generated once, kept across restarts");
        Principal p = s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Host", "127.0.0.1:8080")));
        assertEquals(Role.ADMIN, p.role());
        assertEquals(Principal.Via.ANONYMOUS, p.via());
        assertNull(s.refusal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of())));
        String refusal = s.refusal(Stubs.request("192.0.2.10", "192.0.2.99", Map.of()));
        assertNotNull(refusal);
        assertTrue(refusal.contains("FLOWLENS_ADMIN_PASSWORD"), refusal);
        assertNull(s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Host", "attacker.example:8080"))),
                "a DNS-rebinding page (foreign Host header) does not get the open console");
    }

    @Test
    void usersTokensAndSessions() throws Exception {
        String token = PasswordHash.generateToken();
        Security s = security(Map.of("users", new String[] {"ann:viewer:" + PasswordHash.hash("pw-ann")},
                "tokens", new String[] {"agent:ingest:" + PasswordHash.sha256Hex(token)}));
        assertNull(generated(), "no password is generated when users are configured");
        assertNull(s.refusal(Stubs.request("192.0.2.10", "192.0.2.99", Map.of())), "a configured account allows other addresses");
        assertNull(s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of())), "no anonymous access once accounts exist");

        Principal t = s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Authorization", "Bearer " + token)));
        assertEquals(Role.INGEST, t.role());
        assertEquals("agent", t.name());
        assertNull(s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Authorization", "Bearer " + token + "x"))));

        String basic = "Basic " + Base64.getEncoder().encodeToString("ann:pw-ann".getBytes(StandardCharsets.UTF_8));
        assertEquals(Role.VIEWER, s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Authorization", basic))).role());
        assertNull(s.login("ann", "wrong", "127.0.0.1"));
        LoginSessions.Session session = s.login("ann", "pw-ann", "127.0.0.1");
        Principal viaCookie = s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Cookie", LoginSessions.COOKIE + "=" + session.id)));
        assertEquals("ann", viaCookie.name());
        assertEquals(Principal.Via.SESSION, viaCookie.via());
        s.logout(session);
        assertNull(s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of("Cookie", LoginSessions.COOKIE + "=" + session.id))));
    }

    @Test
    void anInvalidConfigurationLocksInsteadOfOpening() throws Exception {
        Security s = security(Map.of("users", new String[] {"bob:admin:plaintext"}));
        assertNull(s.principal(Stubs.request("127.0.0.1", "127.0.0.1", Map.of())), "a broken account list must not fall back to the open console");
        assertNull(s.refusal(Stubs.request("192.0.2.10", "192.0.2.99", Map.of())));
    }

    @Test
    void tooManyFailedLoginsAreThrottled() throws Exception {
        Security s = security(Map.of("users", new String[] {"ann:viewer:" + PasswordHash.hash("pw")}, "failedLoginsPerMinute", 3));
        for (int i = 0; i < 3; i++) {
            s.login("ann", "bad", "198.51.100.1");
        }
        assertTrue(s.loginThrottled("198.51.100.1"));
        assertTrue(!s.loginThrottled("198.51.100.2"), "other clients are not affected");
    }

    @Test
    void hostNames() {
        assertEquals("127.0.0.1", Security.hostOf("http://127.0.0.1:8080/"));
        assertEquals("::1", Security.hostOf("[::1]:8080"));
        assertEquals("localhost", Security.hostOf("localhost"));
        assertTrue(Security.isLoopback("::1") && Security.isLoopback("127.0.0.5") && !Security.isLoopback("0.0.0.0") && !Security.isLoopback("10.0.0.1"));
    }
}
