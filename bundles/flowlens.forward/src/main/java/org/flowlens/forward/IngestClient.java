package org.flowlens.forward;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Posts JSON to the server over HTTP/1.1 with a bearer token and the agent's name, and says what
 * the answer means for the data: delivered, refused for good, or to be tried again.
 */
final class IngestClient {
    /** Header naming the agent on every request, so the server can tell its agents apart. */
    static final String AGENT_HEADER = "X-Flowlens-Agent";

    enum Outcome { DELIVERED, REJECTED, RETRY }

    /**
     * @param accepted records the server took (from its answer; all of them when delivered)
     * @param retryAfterMillis the server's Retry-After, or -1
     * @param detail status and message, for logs and health
     */
    record Result(Outcome outcome, int accepted, long retryAfterMillis, String detail) {}

    private final HttpClient http;
    private final String token;
    private final String agent;
    private final Duration timeout;

    IngestClient(String token, String agent, Duration timeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.token = token;
        this.agent = agent;
        this.timeout = timeout;
    }

    /** POSTs {@code body} (a JSON array of {@code records} records) and classifies the answer. */
    Result post(URI uri, byte[] body, int records) throws InterruptedException {
        HttpResponse<String> resp;
        try {
            resp = http.send(request(uri, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException | IllegalArgumentException e) {
            return new Result(Outcome.RETRY, 0, -1, "cannot reach " + uri + ": " + describe(e));
        }
        int status = resp.statusCode();
        String text = resp.body() == null ? "" : resp.body();
        if (status >= 200 && status < 300) {
            return new Result(Outcome.DELIVERED, records, -1, "HTTP " + status);
        }
        String detail = "HTTP " + status + " from " + uri + ": " + clip(text);
        if (status == 400 || status == 413 || status == 415 || status == 422) {
            // the server refused these records for good (or took some of them): sending them again cannot help
            int accepted = status == 400 ? Math.min(records, Math.max(0, number(text, "\"accepted\""))) : 0;
            return new Result(Outcome.REJECTED, accepted, -1, detail);
        }
        long retryAfter = -1;
        String header = resp.headers().firstValue("Retry-After").orElse(null);
        if (header != null) {
            try {
                retryAfter = Math.max(0, Long.parseLong(header.trim())) * 1000;
            } catch (NumberFormatException e) {
                retryAfter = -1;
            }
        }
        // 401/403 (token), 404 (wrong URL), 429 (rate), 5xx: the records are fine, keep them for later
        return new Result(Outcome.RETRY, 0, retryAfter, detail);
    }

    /** POSTs a small JSON document whose answer does not matter beyond success; true on 2xx. */
    boolean postQuietly(URI uri, byte[] body) throws InterruptedException {
        try {
            return http.send(request(uri, body), HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private HttpRequest request(URI uri, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                .header(AGENT_HEADER, agent).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    /** The whole number after {@code "key":} in a small JSON answer, or -1. */
    static int number(String json, String key) {
        int i = json.indexOf(key);
        if (i < 0) {
            return -1;
        }
        i += key.length();
        while (i < json.length() && (json.charAt(i) == ' ' || json.charAt(i) == ':')) {
            i++;
        }
        long v = 0;
        int start = i;
        while (i < json.length() && Character.isDigit(json.charAt(i)) && i - start < 9) {
            v = v * 10 + (json.charAt(i++) - '0');
        }
        return i == start ? -1 : (int) v;
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }

    private static String clip(String s) {
        String t = s.replace('\n', ' ').replace('\r', ' ');
        return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }
}
