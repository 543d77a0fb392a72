package org.flowlens.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

class Utf8WriterTest {
    /** Characters from every UTF-8 length class, pairs and lone surrogate halves. */
    private static final String[] PIECES = {"a", "flow_bytes_total{", "\"", "\\", "\n", "é", "ß", "€", "中文", "\uD83D\uDE00", "\uD800", "\uDC00", "x\uDBFF\uDFFFy",
        "0123456789abcdefghijklmnopqrstuvwxyz"};

    private static String randomText(Random r, int pieces) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            b.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    /** Written in random slices through every write method, with a buffer small enough to wrap often. */
    @Test
    void writesWhatTheJdkEncoderWrites() throws IOException {
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            String text = randomText(r, 1 + r.nextInt(300));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Utf8Writer w = new Utf8Writer(out, 16 + r.nextInt(40))) {
                int i = 0;
                while (i < text.length()) {
                    int n = Math.min(text.length() - i, 1 + r.nextInt(20));
                    switch (r.nextInt(5)) {
                        case 0 -> w.write(text, i, n);
                        case 1 -> w.write(text.substring(i, i + n));
                        case 2 -> w.write(text.toCharArray(), i, n);
                        case 3 -> {
                            for (int k = i; k < i + n; k++) {
                                w.append(text.charAt(k));
                            }
                        }
                        default -> {
                            for (int k = i; k < i + n; k++) {
                                w.write(text.charAt(k));
                            }
                        }
                    }
                    i += n;
                }
            }
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), out.toByteArray(), "round " + round + ": " + text);
        }
    }

    @Test
    void loneSurrogatesBecomeQuestionMarks() throws IOException {
        assertEquals("a?b", write("a\uD800b"));
        assertEquals("?", write("\uDC00"));
        assertEquals("x?", write("x\uD800"));
        assertEquals("??", write("\uD800\uD800"));
        assertEquals("\uD83D\uDE00", write("\uD83D\uDE00"));
    }

    @Test
    void flushAndCloseReachTheStream() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] closed = {false};
        Utf8Writer w = new Utf8Writer(new java.io.FilterOutputStream(out) {
            @Override
            public void close() throws IOException {
                closed[0] = true;
                super.close();
            }
        }, 1024);
        w.write("abc");
        assertEquals(0, out.size(), "buffered");
        w.flush();
        assertEquals("abc", out.toString(StandardCharsets.UTF_8));
        w.write("déf");
        w.close();
        w.close();
        assertEquals("abcdéf", out.toString(StandardCharsets.UTF_8));
        assertTrue(closed[0]);
    }

    private static String write(String s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Utf8Writer w = new Utf8Writer(out, 16)) {
            for (int i = 0; i < s.length(); i++) {
                w.append(s.charAt(i));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
