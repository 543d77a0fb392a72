package org.flowlens.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * The world outline the build makes for the console's map (src/build/world-map.js): countries named
 * by the ISO alpha-2 codes GeoIP reports, coordinates on the map, no ring jumping across the
 * antimeridian, names in both languages, small enough to serve.
 */
class WorldMapTest {
    private static JsonObject world;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = WorldMapTest.class.getClassLoader().getResourceAsStream("console/vendor/world/world.json")) {
            Assumptions.assumeTrue(in != null, "no console/vendor/world/world.json: the build could not install its npm packages; skipping");
            world = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    @Test
    void countriesAreNamedByTheirAlpha2Code() {
        Set<String> names = new HashSet<>();
        for (JsonElement f : world.getAsJsonObject("geojson").getAsJsonArray("features")) {
            String name = f.getAsJsonObject().getAsJsonObject("properties").get("name").getAsString();
            assertTrue(names.add(name), "two countries named " + name);
        }
        assertTrue(names.size() > 170, "countries: " + names.size());
        for (String cc : new String[] {"US", "CN", "DE", "BR", "JP", "AU", "RU", "FJ", "ZA", "IN", "XK"}) {
            assertTrue(names.contains(cc), cc + " missing");
        }
        assertFalse(names.contains("AQ"), "Antarctica is left out");
        long unnamed = names.stream().filter(n -> !n.matches("[A-Z]{2}")).count();
        assertTrue(unnamed <= 3, "features without a code: " + names.stream().filter(n -> !n.matches("[A-Z]{2}")).toList());
    }

    @Test
    void ringsStayOnTheMapAndNeverJumpAcrossIt() {
        int rings = 0;
        for (JsonElement f : world.getAsJsonObject("geojson").getAsJsonArray("features")) {
            JsonObject g = f.getAsJsonObject().getAsJsonObject("geometry");
            String name = f.getAsJsonObject().getAsJsonObject("properties").get("name").getAsString();
            JsonArray polygons = g.get("type").getAsString().equals("Polygon") ? wrap(g.getAsJsonArray("coordinates")) : g.getAsJsonArray("coordinates");
            for (JsonElement polygon : polygons) {
                for (JsonElement ring : polygon.getAsJsonArray()) {
                    JsonArray points = ring.getAsJsonArray();
                    assertTrue(points.size() >= 4, name + ": a ring of " + points.size() + " points");
                    assertEquals(points.get(0), points.get(points.size() - 1), name + ": an open ring");
                    double prev = Double.NaN;
                    for (JsonElement p : points) {
                        double lon = p.getAsJsonArray().get(0).getAsDouble();
                        double lat = p.getAsJsonArray().get(1).getAsDouble();
                        assertTrue(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90, name + ": off the map: " + p);
                        assertTrue(Double.isNaN(prev) || Math.abs(lon - prev) < 180, name + ": a ring jumps across the antimeridian at " + p);
                        prev = lon;
                    }
                    rings++;
                }
            }
        }
        assertTrue(rings > 250, "rings: " + rings);
    }

    @Test
    void namesInBothLanguages() {
        JsonObject names = world.getAsJsonObject("names");
        assertEquals("United States of America", names.getAsJsonObject("en").get("US").getAsString());
        assertEquals("德国", names.getAsJsonObject("zh-CN").get("DE").getAsString());
        assertTrue(names.getAsJsonObject("zh-CN").size() >= 240, "Chinese names: " + names.getAsJsonObject("zh-CN").size());
        assertNotNull(world.get("source"));
    }

    @Test
    void smallEnoughToServe() throws IOException {
        try (InputStream in = WorldMapTest.class.getClassLoader().getResourceAsStream("console/vendor/world/world.json")) {
            int size = in.readAllBytes().length;
            assertTrue(size < 250_000, "world.json is " + size + " bytes");
        }
    }

    private static JsonArray wrap(JsonArray polygon) {
        JsonArray a = new JsonArray();
        a.add(polygon);
        return a;
    }
}
