package org.flowlens.itest;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the runtime writes on standard output (its console log), kept in a file under the working
 * directory as well: the test reads the password the runtime generates for the Felix Web Console
 * and the messages with which components refuse a configuration, as an operator reads them.
 * Installed from the {@code @Configuration} method, before the framework starts.
 */
final class ConsoleLog {
    private static final Pattern GENERATED = Pattern.compile("user: (\\S+)\\s+password: (\\S+)");
    private static Tee tee;

    private ConsoleLog() {}

    /** Copies standard output to {@code file} from now on (replacing the file of an earlier test class). */
    static synchronized void copyTo(Path file) {
        try {
            OutputStream out = new FileOutputStream(file.toFile(), true);
            if (tee == null) {
                tee = new Tee(System.out, out);
                System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
            } else {
                tee.file(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file() {
        return Assembly.work().resolve("console.log");
    }

    /** The whole log so far. */
    static String text() {
        try {
            return Files.readString(file(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The log from character {@code from} on. */
    static String since(int from) {
        String t = text();
        return from < t.length() ? t.substring(from) : "";
    }

    /** The Web Console user and the password the runtime generated and printed once; null until printed. */
    static String[] generatedAdmin() {
        Matcher m = GENERATED.matcher(text());
        return m.find() ? new String[] {m.group(1), m.group(2)} : null;
    }

    private static final class Tee extends OutputStream {
        private final OutputStream console;
        private volatile OutputStream file;

        Tee(OutputStream console, OutputStream file) {
            this.console = console;
            this.file = file;
        }

        synchronized void file(OutputStream next) throws IOException {
            OutputStream old = file;
            file = next;
            old.close();
        }

        @Override
        public synchronized void write(int b) throws IOException {
            console.write(b);
            file.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            console.write(b, off, len);
            file.write(b, off, len);
        }

        @Override
        public synchronized void flush() throws IOException {
            console.flush();
            file.flush();
        }
    }
}
