package org.flowlens.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.flowlens.api.config.ConfigurationCheck;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileSyncTest {
    @TempDir
    Path dir;

    @Test
    void rewritesOnlyChangedValuesAndKeepsCommentsAndPlaceholders() throws Exception {
        Path f = dir.resolve("flowlens.pipeline.cfg");
        Files.write(f, List.of("# workers", "workers=I\"2\"", "queueSize=I\"4096\"", "level=\"$[env:LEVEL;default=info]\""));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("service.pid", "flowlens.pipeline");
        props.put("workers", 3);
        props.put("queueSize", 4096);
        props.put("level", "debug");
        props.put("names", new String[] {"a", "b\"c"});
        props.put("ratio", 0.5d);
        assertTrue(ConfigFileSync.writeBack(f, props));
        assertEquals(List.of("# workers", "workers=I\"3\"", "queueSize=I\"4096\"", "level=\"$[env:LEVEL;default=info]\"", "names=[\"a\",\"b\\\"c\"]", "ratio=\"0.5\""),
                Files.readAllLines(f));
        assertFalse(ConfigFileSync.writeBack(f, props), "nothing changes the second time");
    }

    @Test
    void anEditTheComponentRefusesIsNotSaved() {
        ConfigurationCheck ports = (pid, props) -> ((Integer) props.get("port")) > 65535 ? "port must be 0-65535" : null;
        Map<ConfigurationCheck, List<String>> checks = Map.of(ports, List.of("flowlens.collector.udp"));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("port", 70000);
        assertEquals("port must be 0-65535", ConfigFileSync.refusal(checks, "flowlens.collector.udp~netflow", "flowlens.collector.udp", props));
        props.put("port", 2056);
        assertEquals(null, ConfigFileSync.refusal(checks, "flowlens.collector.udp~netflow", "flowlens.collector.udp", props));
        props.put("port", 70000);
        assertEquals(null, ConfigFileSync.refusal(checks, "flowlens.pipeline", null, props), "no check: saved as it is");
    }

    @Test
    void factoryConfigurationsMapToTheirFiles() {
        assertEquals("flowlens.pipeline.cfg", ConfigFileSync.fileName("flowlens.pipeline", null));
        assertEquals("org.flowlens.capture.pcap.live-default.cfg", ConfigFileSync.fileName("org.flowlens.capture.pcap.live~default", "org.flowlens.capture.pcap.live"));
        assertEquals(null, ConfigFileSync.fileName("org.flowlens.capture.pcap.live.1234-abcd", "org.flowlens.capture.pcap.live"));
    }

    @Test
    void theLoggingCheckRefusesUnknownLevels() {
        assertEquals(null, LoggingConfigurator.check(Map.of("level", "debug", "loggers", new String[] {"org.flowlens.pipeline=warn"})));
        String refused = LoggingConfigurator.check(Map.of("level", "loud"));
        assertTrue(refused != null && refused.contains("loud"), refused);
    }

    @Test
    void logLevelsAreValidated() {
        assertEquals("text", LoggingConfigurator.log4j2("info", "text", new String[0]).get("log4j2.appender.console.layout.pattern")
                .equals(LoggingConfigurator.TEXT_PATTERN) ? "text" : "json");
        assertEquals("DEBUG", LoggingConfigurator.log4j2("debug", "json", new String[] {"org.x=debug"}).get("log4j2.logger.custom0.level"));
    }
}
