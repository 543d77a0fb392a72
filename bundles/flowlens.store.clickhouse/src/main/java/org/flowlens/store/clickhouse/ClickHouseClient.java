package org.flowlens.store.clickhouse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

import org.flowlens.store.sql.StoreException;

/**
 * ClickHouse's HTTP interface: statements and queries as POST bodies, results as TabSeparated
 * text, inserts as RowBinary bodies. Errors come back as HTTP errors whose body is ClickHouse's
 * message, which is what the exceptions carry.
 */
final class ClickHouseClient {
    private static final int MAX_ERROR_TEXT = 600;

    private final URI base;
    private final String authorization;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param url the server's HTTP interface, e.g. {@code http://127.0.0.1:8123}
     * @param user empty for none
     */
    ClickHouseClient(URI url, String user, String password, Duration timeout) {
        String u = url.toString();
        this.base = URI.create(u.endsWith("/") ? u : u + "/");
        this.authorization = user == null || user.isEmpty() ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(Math.min(10, Math.max(1, timeout.toSeconds()))))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    URI base() {
        return base;
    }

    private HttpRequest.Builder request(String params) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("?" + params)).timeout(timeout);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    /** Runs a statement that returns nothing (DDL, ALTER). */
    void execute(String sql) {
        HttpRequest req = request("wait_end_of_query=1").POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8)).build();
        HttpResponse<String> resp = send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), sql);
        if (resp.statusCode() != 200) {
            throw error(resp.statusCode(), resp.body(), sql);
        }
    }

    /** Inserts RowBinary rows, the parts of the body in order, in one request. */
    void insertRowBinary(String table, List<byte[]> body) {
        String sql = "INSERT INTO " + table + " FORMAT RowBinary";
        HttpRequest req = request("query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8))
                .POST(HttpRequest.BodyPublishers.ofByteArrays(body)).build();
        HttpResponse<String> resp = send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8), sql);
        if (resp.statusCode() != 200) {
            throw error(resp.statusCode(), resp.body(), sql);
        }
    }

    /** Runs a query and hands each TabSeparated line to the consumer. */
    void query(String sql, Consumer<String> lines) {
        HttpRequest req = request("wait_end_of_query=1")
                .POST(HttpRequest.BodyPublishers.ofString(sql + " FORMAT TabSeparated", StandardCharsets.UTF_8)).build();
        HttpResponse<InputStream> resp = send(req, HttpResponse.BodyHandlers.ofInputStream(), sql);
        try (InputStream in = resp.body();
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            if (resp.statusCode() != 200) {
                StringBuilder sb = new StringBuilder();
                String line;
                while ((line = r.readLine()) != null && sb.length() < MAX_ERROR_TEXT) {
                    sb.append(line).append(' ');
                }
                throw error(resp.statusCode(), sb.toString(), sql);
            }
            String line;
            while ((line = r.readLine()) != null) {
                lines.accept(line);
            }
        } catch (IOException e) {
            throw new StoreException("reading ClickHouse's answer from " + base + " failed: " + e.getMessage(), e);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, String sql) {
        try {
            return http.send(req, handler);
        } catch (IOException e) {
            throw new StoreException("ClickHouse at " + base + " is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while talking to ClickHouse at " + base);
        }
    }

    private StoreException error(int status, String body, String sql) {
        String text = body == null ? "" : body.trim();
        if (text.length() > MAX_ERROR_TEXT) {
            text = text.substring(0, MAX_ERROR_TEXT) + "...";
        }
        String what = sql.length() > 120 ? sql.substring(0, 120) + "..." : sql;
        return new StoreException("ClickHouse at " + base + " answered HTTP " + status + ": " + text + " (to: " + what + ")");
    }
}
