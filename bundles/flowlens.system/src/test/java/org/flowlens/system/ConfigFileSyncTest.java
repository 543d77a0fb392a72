package org.flowlens.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;

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
    void factoryConfigurationsMapToTheirFiles() {
        assertEquals("flowlens.pipeline.cfg", ConfigFileSync.fileName("flowlens.pipeline", null));
        assertEquals("org.flowlens.capture.pcap.live-default.cfg", ConfigFileSync.fileName("org.flowlens.capture.pcap.live~default", "org.flowlens.capture.pcap.live"));
        assertEquals(null, ConfigFileSync.fileName("org.flowlens.capture.pcap.live.1234-abcd", "org.flowlens.capture.pcap.live"));
    }

    @Test
    void logLevelsAreValidated() {
        assertEquals("text", LoggingConfigurator.log4j2("info", "text", new String[0]).get("log4j2.appender.console.layout.pattern")
                .equals(LoggingConfigurator.TEXT_PATTERN) ? "text" : "json");
        assertEquals("DEBUG", LoggingConfigurator.log4j2("debug", "json", new String[] {"org.x=debug"}).get("log4j2.logger.custom0.level"));
    }
}
