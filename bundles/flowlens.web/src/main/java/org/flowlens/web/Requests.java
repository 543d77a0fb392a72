package org.flowlens.web;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

import org.flowlens.api.query.Metric;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import jakarta.servlet.http.HttpServletRequest;

/** Reading query parameters and small JSON bodies, with messages that name the parameter. */
final class Requests {
    /** Largest body of the console's own POST calls (login, acknowledge, capture). */
    static final int MAX_SMALL_BODY = 16 * 1024;

    /** A parameter that could not be read: answered 400 with its message. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private Requests() {}

    static String text(HttpServletRequest req, String name) {
        String v = req.getParameter(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    static int integer(HttpServletRequest req, String name, int def, int min, int max) throws BadRequest {
        String v = text(req, name);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new BadRequest(name + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a whole number, got " + FlowJson.clip(v));
        }
    }

    /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, a number of seconds, or ISO-8601 ({@code PT15M}). */
    static Duration duration(String v, String name) throws BadRequest {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("pt") || s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            char unit = s.charAt(s.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(s));
            }
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            switch (unit) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                case 'd':
                    return Duration.ofDays(n);
                default:
                    break;
            }
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException | ArithmeticException e) {
            // answered below
        }
        throw new BadRequest(name + " must be a duration such as 30s, 5m, 1h or 2d, got " + FlowJson.clip(v));
    }

    /** A window parameter matched to the configured windows: the exact one, else the smallest that covers it. */
    static Duration window(HttpServletRequest req, List<Duration> windows) throws BadRequest {
        String v = text(req, "window");
        if (windows.isEmpty()) {
            throw new BadRequest("no windows are configured");
        }
        if (v == null) {
            return windows.get(0);
        }
        Duration asked = duration(v, "window");
        for (Duration w : windows) {
            if (w.compareTo(asked) >= 0) {
                return w;
            }
        }
        return windows.get(windows.size() - 1);
    }

    static Metric metric(HttpServletRequest req) throws BadRequest {
        String v = text(req, "order");
        if (v == null) {
            v = text(req, "by");
        }
        if (v == null) {
            return Metric.BYTES;
        }
        try {
            return Metric.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequest("order must be bytes, packets or flows, got " + FlowJson.clip(v));
        }
    }

    /**
     * A time: RFC 3339 / ISO-8601 ({@code 2025-09-22T06:58:00Z}), {@code 2025-09-22 06:58:00} (UTC),
     * epoch seconds or milliseconds, or relative to now ({@code -15m}, {@code now}).
     */
    static long time(HttpServletRequest req, String name, long def, long now) throws BadRequest {
        String v = text(req, name);
        if (v == null) {
            return def;
        }
        if (v.equalsIgnoreCase("now")) {
            return now;
        }
        if (v.startsWith("-")) {
            return now - duration(v.substring(1), name).toMillis();
        }
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                long n = Long.parseLong(v);
                return n < 100_000_000_000L ? n * 1000 : n;
            }
            if (v.indexOf('T') > 0 && (v.endsWith("Z") || v.matches(".*[+-]\\d\\d:\\d\\d$"))) {
                return java.time.OffsetDateTime.parse(v).toInstant().toEpochMilli();
            }
            return LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new BadRequest(name + " must be RFC 3339 time, epoch seconds or milliseconds, or relative like -15m; got " + FlowJson.clip(v));
        }
    }

    /** Reads a small JSON object body. */
    static JsonObject body(HttpServletRequest req) throws BadRequest, IOException {
        if (req.getContentLengthLong() > MAX_SMALL_BODY) {
            throw new BadRequest("request body is larger than " + MAX_SMALL_BODY + " bytes");
        }
        try (Reader in = new InputStreamReader(new IngestServlet.LimitedInputStream(req.getInputStream(), MAX_SMALL_BODY), StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(in);
            if (e.isJsonNull()) {
                return new JsonObject();
            }
            if (!e.isJsonObject()) {
                throw new BadRequest("expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            if (e.getCause() instanceof IngestServlet.LimitedInputStream.TooLarge) {
                throw new BadRequest("request body is larger than " + MAX_SMALL_BODY + " bytes");
            }
            throw new BadRequest("malformed JSON: " + e.getMessage());
        }
    }

    static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    static Instant instant(long millis) {
        return Instant.ofEpochMilli(millis);
    }
}
