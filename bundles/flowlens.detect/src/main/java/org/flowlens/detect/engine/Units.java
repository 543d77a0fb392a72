package org.flowlens.detect.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parsing and printing of the durations, rates and lists that detector configurations hold. */
public final class Units {
    private Units() {}

    /**
     * Splits configuration values into entries: each value may hold several separated by commas,
     * semicolons or white space (a .cfg file gives one string, a typed file an array).
     */
    public static List<String> split(String... values) {
        List<String> out = new ArrayList<>();
        if (values == null) {
            return out;
        }
        for (String v : values) {
            if (v == null) {
                continue;
            }
            int i = 0, n = v.length();
            while (i < n) {
                while (i < n && separator(v.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < n && !separator(v.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    out.add(v.substring(start, i));
                }
            }
        }
        return out;
    }

    private static boolean separator(char c) {
        return c == ',' || c == ';' || Character.isWhitespace(c);
    }

    /**
     * A duration such as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d}; a bare
     * number is seconds.
     *
     * @throws IllegalArgumentException when it is not one or not positive
     */
    public static long millis(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
            i++;
        }
        double n;
        try {
            n = Double.parseDouble(t.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a duration: " + text);
        }
        String unit = t.substring(i).trim();
        double factor = switch (unit) {
            case "ms" -> 1;
            case "", "s", "sec", "secs", "second", "seconds" -> 1000;
            case "m", "min", "mins", "minute", "minutes" -> 60_000;
            case "h", "hour", "hours" -> 3_600_000;
            case "d", "day", "days" -> 86_400_000;
            default -> throw new IllegalArgumentException(what + " has an unknown unit: " + text);
        };
        long ms = Math.round(n * factor);
        if (ms <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + text);
        }
        return ms;
    }

    /**
     * A rate or amount with an optional SI suffix: {@code 800M}, {@code 1.5G}, {@code 20k},
     * {@code 100000}; a trailing unit word such as {@code bit/s}, {@code bps} or {@code pps} is
     * ignored. Suffixes are powers of 1000 (k, M, G, T).
     *
     * @throws IllegalArgumentException when it is not one or negative
     */
    public static double amount(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        String t = text.trim();
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.' || t.charAt(i) == '_')) {
            i++;
        }
        double n;
        try {
            n = Double.parseDouble(t.substring(0, i).replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a number: " + text);
        }
        String rest = t.substring(i).trim();
        double factor = 1;
        if (!rest.isEmpty()) {
            char c = rest.charAt(0);
            switch (c) {
                case 'k', 'K' -> factor = 1e3;
                case 'M' -> factor = 1e6;
                case 'G', 'g' -> factor = 1e9;
                case 'T', 't' -> factor = 1e12;
                default -> factor = 1;
            }
            String unit = factor == 1 ? rest : rest.substring(1).trim();
            String u = unit.toLowerCase(Locale.ROOT);
            if (!(u.isEmpty() || u.equals("bit/s") || u.equals("bits/s") || u.equals("bps") || u.equals("bit")
                    || u.equals("pps") || u.equals("pkt/s") || u.equals("packets/s") || u.equals("/s"))) {
                throw new IllegalArgumentException(what + " has an unknown unit: " + text);
            }
        }
        double v = n * factor;
        if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must not be negative: " + text);
        }
        return v;
    }

    /** A rate for people: {@code 1.25 Gbit/s}. */
    public static String bits(double bitsPerSecond) {
        return si(bitsPerSecond) + "bit/s";
    }

    /** A packet rate for people: {@code 120 kpkt/s}. */
    public static String packets(double perSecond) {
        return si(perSecond) + "pkt/s";
    }

    /** A number with an SI prefix and a space: {@code 1.25 G}, {@code 980 }. */
    public static String si(double v) {
        String[] prefixes = {"", "k", "M", "G", "T", "P"};
        int p = 0;
        double x = Math.abs(v);
        while (x >= 1000 && p < prefixes.length - 1) {
            x /= 1000;
            p++;
        }
        double shown = Math.signum(v) * x;
        String num = x >= 100 || p == 0 && x == Math.rint(x) ? String.format(Locale.ROOT, "%.0f", shown)
                : x >= 10 ? String.format(Locale.ROOT, "%.1f", shown) : String.format(Locale.ROOT, "%.2f", shown);
        return num + " " + prefixes[p];
    }

    /** A duration for people: {@code 60 s}, {@code 5 min}. */
    public static String duration(long millis) {
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + " h";
        }
        if (millis % 60_000 == 0 && millis >= 120_000) {
            return millis / 60_000 + " min";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return millis + " ms";
    }
}
