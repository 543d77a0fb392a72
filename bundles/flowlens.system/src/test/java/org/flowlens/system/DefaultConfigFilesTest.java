package org.flowlens.system;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * FileInstall reads a .cfg file as typed only when every value in it is typed; one plain value
 * turns the whole file into plain properties, quotes included. Every shipped file must be typed.
 */
class DefaultConfigFilesTest {
    private static final Pattern TYPED = Pattern.compile("[A-Za-z]?\".*\"|\\[.*\\]");

    @Test
    void everyValueOfEveryDefaultFileIsTyped() throws IOException {
        Path dir = Paths.get("../../config");
        List<String> untyped = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".cfg"))::iterator) {
                for (String line : Files.readAllLines(f)) {
                    String t = line.trim();
                    int eq = t.indexOf('=');
                    if (t.isEmpty() || t.startsWith("#") || eq < 0) {
                        continue;
                    }
                    String value = t.substring(eq + 1).trim();
                    if (!TYPED.matcher(value).matches()) {
                        untyped.add(f.getFileName() + ": " + t);
                    }
                    // FileInstall reads D"..." and F"..." as raw IEEE bits, not as decimal text
                    if (value.startsWith("D\"") || value.startsWith("F\"")) {
                        untyped.add(f.getFileName() + ": " + t + " (write decimals as \"0.5\")");
                    }
                }
            }
        }
        assertTrue(untyped.isEmpty(), "untyped values (write strings as \"text\", numbers as I\"1\" or L\"1\", booleans as B\"true\"): " + untyped);
    }
}
