package org.flowlens.api.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigsTest {
    @interface Sample {
        int port() default 2055;

        String flowlens_consumer_name() default "kafka";

        String[] groups() default {"a"};

        long max$_$size() default 1;
    }

    @Test
    void valuesByTheirPropertyNamesDefaultsForTheRest() {
        Sample s = Configs.of(Sample.class, Map.of("port", "2056", "flowlens.consumer.name", "sink", "groups", "b", "max-size", 7));
        assertEquals(2056, s.port());
        assertEquals("sink", s.flowlens_consumer_name());
        assertArrayEquals(new String[] {"b"}, s.groups());
        assertEquals(7L, s.max$_$size());
        assertEquals(2055, Configs.defaults(Sample.class).port());
    }

    @Test
    void propertyNamesFollowDeclarativeServices() {
        assertEquals("flowlens.consumer.name", Configs.key("flowlens_consumer_name"));
        assertEquals("a_b", Configs.key("a__b"));
        assertEquals("max-size", Configs.key("max$_$size"));
        assertEquals("cost$", Configs.key("cost$$"));
        assertEquals("port", Configs.key("port$"));
    }

    @Test
    void aCheckReportsWhatItsValidationThrows() {
        assertEquals(null, ConfigurationCheck.problem(() -> { }));
        assertEquals("port must be 0-65535", ConfigurationCheck.problem(() -> {
            throw new IllegalArgumentException("port must be 0-65535");
        }));
    }
}
