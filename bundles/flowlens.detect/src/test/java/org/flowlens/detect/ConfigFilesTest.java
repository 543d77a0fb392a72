package org.flowlens.detect;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import org.flowlens.api.config.Configs;

/**
 * The default configuration files in the repository's config/ folder name only attributes the
 * components know, and every one of them is accepted.
 */
class ConfigFilesTest {
    private static final Path DIR = Path.of("..", "..", "config");

    /** Reads a FileInstall .cfg file: typed values (I"1", B"true", D"1.0"), arrays, interpolation defaults. */
    static Map<String, Object> read(Path file) throws IOException {
        Map<String, Object> m = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            String key = t.substring(0, eq).trim();
            String v = t.substring(eq + 1).trim();
            if (v.startsWith("[")) {
                List<String> items = new ArrayList<>();
                String inner = v.substring(1, v.length() - 1).trim();
                if (!inner.isEmpty()) {
                    for (String item : inner.split(",")) {
                        items.add(unquote(item.trim()));
                    }
                }
                m.put(key, items.toArray(String[]::new));
            } else {
                m.put(key, unquote(v));
            }
        }
        return m;
    }

    private static String unquote(String v) {
        String s = v;
        if (s.length() > 2 && Character.isLetter(s.charAt(0)) && s.charAt(1) == '"') {
            s = s.substring(1);
        }
        if (s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.startsWith("$[env:")) {
            int d = s.indexOf(";default=");
            s = d < 0 ? "" : s.substring(d + ";default=".length(), s.length() - 1);
        }
        return s;
    }

    private static Map<String, Object> checked(String file, Class<?> config) throws IOException {
        Path p = DIR.resolve(file);
        Assumptions.assumeTrue(Files.isRegularFile(p), "no " + p.toAbsolutePath());
        Map<String, Object> values = read(p);
        Set<String> known = Stream.of(config.getDeclaredMethods()).map(Method::getName).collect(Collectors.toSet());
        for (String key : values.keySet()) {
            assertTrue(known.contains(key) || key.equals("flowlens.consumer.name"), file + ": unknown attribute " + key);
        }
        return values;
    }

    @Test
    void everyDefaultFileIsValid() throws IOException {
        assertDoesNotThrow(() -> PortScanDetector.parse(Configs.of(PortScanDetector.Config.class,
                checked("flowlens.detect.portscan.cfg", PortScanDetector.Config.class))));
        assertDoesNotThrow(() -> HostSweepDetector.parse(Configs.of(HostSweepDetector.Config.class,
                checked("flowlens.detect.hostsweep.cfg", HostSweepDetector.Config.class))));
        assertDoesNotThrow(() -> DistributedScanDetector.parse(Configs.of(DistributedScanDetector.Config.class,
                checked("flowlens.detect.distributedscan.cfg", DistributedScanDetector.Config.class))));
        assertDoesNotThrow(() -> FloodDetector.parse(Configs.of(FloodDetector.Config.class,
                checked("flowlens.detect.flood.cfg", FloodDetector.Config.class))));
        assertDoesNotThrow(() -> AmplificationDetector.parse(Configs.of(AmplificationDetector.Config.class,
                checked("flowlens.detect.amplification.cfg", AmplificationDetector.Config.class))));
        assertDoesNotThrow(() -> UnansweredDetector.parse(Configs.of(UnansweredDetector.Config.class,
                checked("flowlens.detect.unanswered.cfg", UnansweredDetector.Config.class))));
        for (String rule : new String[] {"host", "subnet", "total"}) {
            Map<String, Object> v = checked("flowlens.detect.bandwidth-" + rule + ".cfg", BandwidthDetector.Config.class);
            assertEquals("bandwidth-" + rule, v.get("name"));
            assertDoesNotThrow(() -> BandwidthDetector.parse(Configs.of(BandwidthDetector.Config.class, v)));
        }
        checked("flowlens.detect.alerts.cfg", org.flowlens.detect.alerts.AlertManager.Config.class);
        checked("flowlens.detect.logsink.cfg", org.flowlens.detect.sink.LogSink.Config.class);
        checked("flowlens.detect.webhook-chat.cfg", org.flowlens.detect.sink.WebhookSink.Config.class);
    }
}
