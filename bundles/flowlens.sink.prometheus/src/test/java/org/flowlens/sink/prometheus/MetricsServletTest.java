package org.flowlens.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.pipeline.MetricsRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.prometheus.client.exporter.common.TextFormat;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /metrics through the servlet: format negotiation, compression, and the text against the library's own writer. */
class MetricsServletTest {
    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final int SERIES = 3000;

    private FlowSeries series;
    private long bytes;

    @BeforeEach
    void fill() {
        series = new FlowSeries(FlowSeriesTest.config(10_000, "addresses", "protocol"));
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < SERIES; i++) {
            b.next().srcV4(0x0A000000 + i).dstV4(0xC6336400 + i % 250).protocol(6).dstPort(443).bytes(1000 + i).packets(2);
            bytes += 1000 + i;
        }
        // label values that need escaping and more than one byte per character
        b.next().srcV4(0x0B000001).dstV4(0x08080808).protocol(17).bytes(80).packets(1).dstDomain("bücher.example");
        b.next().srcV4(0x0B000002).dstV4(0x08080404).protocol(17).bytes(90).packets(1).dstDomain("odd\"name\\with\nbreaks.例え.jp");
        bytes += 170;
        series.accept(b);
        series.maintain(System.currentTimeMillis());
        series.maintain(System.currentTimeMillis());
    }

    @AfterEach
    void stop() {
        series.deactivate();
    }

    private MetricsServlet servlet(boolean gzip) {
        return new MetricsServlet(new MetricsRegistry(), series, new MetricsServlet.Config() {
            @Override public Class<? extends Annotation> annotationType() { return MetricsServlet.Config.class; }
            @Override public String osgi_http_whiteboard_servlet_pattern() { return "/metrics"; }
            @Override public String namespace() { return "flow"; }
            @Override public String subsystem() { return ""; }
            @Override public String[] staticLabels() { return new String[] {"environment=test", "datacenter=fra1"}; }
            @Override public boolean jvmMetrics() { return false; }
            @Override public boolean gzip() { return gzip; }
        });
    }

    /** What the library writes for the same families through a plain Writer. */
    private static byte[] libraryText(MetricsServlet servlet, boolean openMetrics) throws IOException {
        StringWriter w = new StringWriter();
        if (openMetrics) {
            TextFormat.writeOpenMetrics100(w, Collections.enumeration(servlet.collect(servlet.currentSettings())));
        } else {
            TextFormat.write004(w, Collections.enumeration(servlet.collect(servlet.currentSettings())));
        }
        return w.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void textByDefaultAsTheLibraryWritesIt() throws Exception {
        MetricsServlet servlet = servlet(true);
        Response r = get(servlet, null, null);
        assertEquals(200, r.status);
        assertEquals(TextFormat.CONTENT_TYPE_004, r.contentType);
        assertNull(r.headers.get("content-encoding"));
        assertArrayEquals(libraryText(servlet, false), r.body.toByteArray());

        String text = r.body.toString(StandardCharsets.UTF_8);
        assertEquals(SERIES + 2, count(text, "flow_flows_total{"));
        assertEquals(SERIES + 2, count(text, "flow_bandwidth_bps{"));
        assertEquals(bytes, sum(text, "flow_bytes_total{"));
        assertTrue(text.contains("flow_packets_total{src_addr=\"10.0.0.7\",dst_addr=\"198.51.100.7\",protocol=\"TCP\",environment=\"test\",datacenter=\"fra1\",} 2.0\n"), text);
        assertTrue(text.contains("flow_bandwidth_bps{src_addr=\"10.0.0.7\",dst_addr=\"198.51.100.7\",protocol=\"TCP\",environment=\"test\",datacenter=\"fra1\",window=\"1m\",} "), text);
        assertTrue(text.contains("network_domain_bytes_sent_total{domain=\"bücher.example\",environment=\"test\",datacenter=\"fra1\",} 80.0\n"), text);
        assertTrue(text.contains("network_domains_accessed_total{domain=\"odd\\\"name\\\\with\\nbreaks.例え.jp\",environment=\"test\",datacenter=\"fra1\",} 1.0\n"), text);
    }

    @Test
    void openMetricsWhenTheAcceptHeaderAsks() throws Exception {
        MetricsServlet servlet = servlet(true);
        Response r = get(servlet, "application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", null);
        assertEquals(OPENMETRICS, r.contentType);
        assertArrayEquals(libraryText(servlet, true), r.body.toByteArray());
        String text = r.body.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("# EOF\n"));
        assertTrue(text.contains("# TYPE flow_flows counter\n"), "OpenMetrics names the counter family without _total");
        assertEquals(bytes, sum(text, "flow_bytes_total{"));
    }

    @Test
    void gzipWhenAcceptedAndAllowed() throws Exception {
        MetricsServlet servlet = servlet(true);
        byte[] plain = get(servlet, null, null).body.toByteArray();
        Response r = get(servlet, null, "gzip, deflate");
        assertEquals("gzip", r.headers.get("content-encoding"));
        assertEquals("Accept-Encoding", r.headers.get("vary"));
        byte[] unzipped;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body.toByteArray()))) {
            unzipped = in.readAllBytes();
        }
        assertArrayEquals(plain, unzipped);
        assertTrue(r.body.size() * 5 < plain.length, "compressed " + r.body.size() + " of " + plain.length);

        assertNull(get(servlet, null, "gzip;q=0, identity").headers.get("content-encoding"));
        Response off = get(servlet(false), null, "gzip");
        assertNull(off.headers.get("content-encoding"));
        assertArrayEquals(plain, off.body.toByteArray());
    }

    @Test
    void acceptEncodingParsing() {
        assertTrue(MetricsServlet.acceptsGzip("gzip"));
        assertTrue(MetricsServlet.acceptsGzip("deflate, GZIP;q=0.5"));
        assertTrue(MetricsServlet.acceptsGzip("x-gzip"));
        assertFalse(MetricsServlet.acceptsGzip(null));
        assertFalse(MetricsServlet.acceptsGzip(""));
        assertFalse(MetricsServlet.acceptsGzip("identity"));
        assertFalse(MetricsServlet.acceptsGzip("gzip;q=0"));
        assertFalse(MetricsServlet.acceptsGzip("gzip; q=0.0"));
        assertFalse(MetricsServlet.acceptsGzip("gzip;q=nonsense"));
        assertFalse(MetricsServlet.acceptsGzip("gzipped"));
    }

    private static int count(String text, String prefix) {
        int n = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    private static long sum(String text, String prefix) {
        long total = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                total += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    static final class Response {
        int status;
        String contentType;
        final Map<String, String> headers = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
    }

    /** One GET through {@code HttpServlet.service} with a request and a response that record what the servlet does. */
    static Response get(MetricsServlet servlet, String accept, String acceptEncoding) throws Exception {
        Map<String, String> requestHeaders = new HashMap<>();
        if (accept != null) {
            requestHeaders.put("accept", accept);
        }
        if (acceptEncoding != null) {
            requestHeaders.put("accept-encoding", acceptEncoding);
        }
        HttpServletRequest req = (HttpServletRequest) Proxy.newProxyInstance(MetricsServletTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> switch (m.getName()) {
                    case "getMethod" -> "GET";
                    case "getHeader" -> requestHeaders.get(((String) a[0]).toLowerCase(Locale.ROOT));
                    case "getProtocol" -> "HTTP/1.1";
                    case "getDateHeader" -> -1L;
                    default -> m.getReturnType() == boolean.class ? false : m.getReturnType() == int.class ? 0 : m.getReturnType() == long.class ? 0L : null;
                });
        Response r = new Response();
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                r.body.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                r.body.write(b, off, len);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                throw new UnsupportedOperationException();
            }
        };
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(MetricsServletTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, a) -> {
                    switch (m.getName()) {
                        case "setStatus" -> r.status = (Integer) a[0];
                        case "setContentType" -> r.contentType = (String) a[0];
                        case "setHeader", "addHeader" -> r.headers.put(((String) a[0]).toLowerCase(Locale.ROOT), (String) a[1]);
                        case "getOutputStream" -> {
                            return out;
                        }
                        default -> {
                            return m.getReturnType() == boolean.class ? false : m.getReturnType() == int.class ? 0 : null;
                        }
                    }
                    return null;
                });
        servlet.service(req, resp);
        return r;
    }
}
