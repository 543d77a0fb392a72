package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;

/**
 * The Felix Web Console as an administrator's browser uses it: signed in with the credentials the
 * runtime generated and printed at first start, the bundle actions of the Bundles page and the
 * form of the Configuration page.
 */
final class WebConsole {
    private static final String BASE = "http://127.0.0.1:" + Assembly.HTTP_PORT + "/system/console";
    private final HttpClient http = HttpClient.newHttpClient();
    private final String authorization;

    WebConsole() {
        String[][] admin = new String[1][];
        Await.until("the generated Web Console password in the log", 60_000, () -> (admin[0] = ConsoleLog.generatedAdmin()) != null);
        authorization = "Basic " + Base64.getEncoder().encodeToString((admin[0][0] + ":" + admin[0][1]).getBytes(StandardCharsets.UTF_8));
        Await.until("the Felix Web Console", 60_000, () -> status("/bundles") == 200);
    }

    int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(BASE + path)).header("Authorization", authorization).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A button of the Bundles page: start, stop, update (from the bundle's location), uninstall, refresh. */
    String bundleAction(long bundleId, String action) throws IOException, InterruptedException {
        HttpResponse<String> r = post("/bundles/" + bundleId, Map.of("action", action));
        assertEquals(action + " of bundle " + bundleId + ": " + r.body(), 200, r.statusCode());
        return r.body();
    }

    /**
     * The Install/Update dialog of the Bundles page: uploads a jar; a bundle of the same symbolic
     * name is updated from it and started.
     */
    void installOrUpdate(Path jar) throws IOException, InterruptedException {
        String boundary = "----flowlens" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        part(body, boundary, "action", null, "install".getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "bundlestart", null, "start".getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "bundlestartlevel", null, "1".getBytes(StandardCharsets.UTF_8));
        part(body, boundary, "bundlefile", jar.getFileName().toString(), Files.readAllBytes(jar));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(BASE + "/bundles")).header("Authorization", authorization)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("upload of " + jar.getFileName() + ": " + r.body(), true, r.statusCode() == 200 || r.statusCode() == 302);
    }

    private static void part(ByteArrayOutputStream body, String boundary, String name, String filename, byte[] content) throws IOException {
        StringBuilder h = new StringBuilder("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(name).append('"');
        if (filename != null) {
            h.append("; filename=\"").append(filename).append("\"\r\nContent-Type: application/java-archive");
        }
        h.append("\r\n\r\n");
        body.write(h.toString().getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Saves the configuration form of {@code pid} as the browser does: the listed properties with
     * their values (arrays as repeated fields), {@code apply=true}.
     */
    HttpResponse<String> saveConfiguration(String pid, Map<String, String[]> properties) throws IOException, InterruptedException {
        StringJoiner form = new StringJoiner("&");
        form.add("apply=true").add("action=ajaxConfigManager");
        form.add("propertylist=" + enc(String.join(",", properties.keySet())));
        properties.forEach((k, values) -> {
            for (String v : values) {
                form.add(enc(k) + "=" + enc(v));
            }
        });
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(BASE + "/configMgr/" + pid)).header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertNotNull(r);
        assertEquals("saving the configuration " + pid + ": " + r.body(), true, r.statusCode() == 200 || r.statusCode() == 302);
        return r;
    }

    private HttpResponse<String> post(String path, Map<String, String> form) throws IOException, InterruptedException {
        StringJoiner body = new StringJoiner("&");
        form.forEach((k, v) -> body.add(enc(k) + "=" + enc(v)));
        return http.send(HttpRequest.newBuilder(URI.create(BASE + path)).header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
