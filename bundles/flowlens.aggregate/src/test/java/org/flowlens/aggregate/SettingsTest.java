package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SettingsTest {
    static Settings with(List<String> windows, String bucket, List<String> dims, int budget, String refresh) {
        return new Settings(windows, bucket, dims, 100, budget, refresh, "received", "60s", "6h");
    }

    @Test
    void defaults() {
        Settings s = Settings.defaults();
        assertEquals(List.of(Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1)), s.windows);
        assertEquals(13, s.dimensions.size());
        assertTrue(s.capacity >= 1000, "capacity " + s.capacity);
        assertEquals(256, s.capacities.get("protocol"));
        // 12 slots per level, each level twice as coarse, cover the hour
        assertTrue(Settings.SLOTS_PER_LEVEL * 5000L * ((1L << s.levels) - 1) >= 3_600_000L + 5000);
    }

    @Test
    void dimensionsAreCanonical() {
        assertEquals("src_addr+dst_port", Dimension.canonical(" dst_port + SRC_ADDR "));
        assertEquals("src_addr+src_port+dst_addr+dst_port+protocol", Dimension.canonical("session"));
        assertEquals("src_addr+src_port+dst_addr+dst_port+protocol+exporter", Dimension.canonical("exporter+session"));
    }

    @Test
    void invalidValuesAreRefusedWithAReason() {
        List<String> w = List.of("1m");
        List<String> d = List.of("src_addr");
        assertMessage("unknown field 'src_mac'", () -> with(w, "5s", List.of("src_mac"), 64, "5s"));
        assertMessage("twice", () -> with(w, "5s", List.of("src_addr", "src_addr"), 64, "5s"));
        assertMessage("twice", () -> with(w, "5s", List.of("src_addr+src_addr"), 64, "5s"));
        assertMessage("not a duration", () -> with(List.of("fivem"), "5s", d, 64, "5s"));
        assertMessage("no unit", () -> with(List.of("60"), "5s", d, 64, "5s"));
        assertMessage("shorter than the bucket", () -> with(List.of("2s"), "5s", d, 64, "5s"));
        assertMessage("refresh interval", () -> with(w, "5s", d, 64, "10s"));
        assertMessage("too small", () -> with(w, "5s", List.of("session", "src_addr", "dst_addr"), 1, "5s"));
        assertMessage("time source", () -> new Settings(w, "5s", d, 100, 64, "5s", "sometimes", "60s", "6h"));
        assertMessage("configured twice", () -> with(List.of("1m", "60s"), "5s", d, 64, "5s"));
        assertEquals(Duration.ofMinutes(5).toMillis(), Settings.millis("x", "PT5M"));
        assertEquals(500, Settings.millis("x", "500ms"));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
