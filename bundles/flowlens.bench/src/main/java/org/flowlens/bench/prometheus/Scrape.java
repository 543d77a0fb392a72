package org.flowlens.bench.prometheus;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.sink.prometheus.FlowSeries;
import org.flowlens.sink.prometheus.MetricsServlet;

import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The exporter as the runtime assembles it, filled with the traffic of
 * {@code scripts/prometheus-scrape.sh}: {@code series} distinct source/destination pairs over TCP
 * with the default label groups (addresses, protocol), and one {@code GET /metrics} through
 * {@link MetricsServlet#service} into a response that counts the bytes and throws them away.
 */
final class Scrape {
    final FlowSeries flows;
    final MetricsServlet servlet;
    private final int series;
    private final FlowBatch batch = new FlowBatch(5000);
    private int next;

    Scrape(int series) {
        this.series = series;
        flows = new FlowSeries(flowConfig(series + 1000));
        servlet = new MetricsServlet(new MetricsRegistry(), flows, servletConfig());
        for (int i = 0; i < series; i += 5000) {
            ingest(5000);
        }
        // two maintenance ticks so that the bandwidth gauges have a window
        maintain();
        ingest(5000);
        maintain();
    }

    /** What the exporter's maintenance timer does (package-private there: called reflectively). */
    void maintain() {
        call("maintain", new Class<?>[] {long.class}, System.currentTimeMillis());
    }

    /** Records for the next {@code n} keys, cycling over all of them. */
    void ingest(int n) {
        batch.clear();
        for (int k = 0; k < n; k++) {
            int i = next;
            next = next + 1 == series ? 0 : next + 1;
            batch.next().srcV4(0x0A000000 | i).dstV4(0xC6336400 | (i % 250)).protocol(6).dstPort(443).bytes(1000).packets(2);
        }
        flows.accept(batch);
    }

    void stop() {
        call("deactivate", new Class<?>[0]);
    }

    private void call(String method, Class<?>[] types, Object... args) {
        try {
            java.lang.reflect.Method m = FlowSeries.class.getDeclaredMethod(method, types);
            m.setAccessible(true);
            m.invoke(flows, args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One scrape with this Accept and Accept-Encoding (either may be null); the bytes sent. */
    long scrape(String accept, String acceptEncoding) throws IOException, ServletException {
        Map<String, String> headers = new ConcurrentHashMap<>();
        if (accept != null) {
            headers.put("accept", accept);
        }
        if (acceptEncoding != null) {
            headers.put("accept-encoding", acceptEncoding);
        }
        HttpServletRequest req = (HttpServletRequest) Proxy.newProxyInstance(Scrape.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getMethod" -> "GET";
                    case "getHeader" -> headers.get(((String) a[0]).toLowerCase(java.util.Locale.ROOT));
                    case "getProtocol" -> "HTTP/1.1";
                    case "getDispatcherType" -> jakarta.servlet.DispatcherType.REQUEST;
                    default -> defaultValue(m.getReturnType());
                });
        Sink sink = new Sink();
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(Scrape.class.getClassLoader(), new Class<?>[] {HttpServletResponse.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getOutputStream" -> sink;
                    case "getBufferSize" -> 32768;
                    default -> defaultValue(m.getReturnType());
                });
        servlet.service(req, resp);
        sink.close();
        return sink.bytes;
    }

    private static Object defaultValue(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }

    /** A servlet output stream that counts and discards what it is given. */
    static final class Sink extends ServletOutputStream {
        long bytes;
        long writes;

        @Override
        public void write(int b) {
            bytes++;
            writes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
            writes++;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new UnsupportedOperationException();
        }
    }

    static FlowSeries.Config flowConfig(int maxSeries) {
        return new FlowSeries.Config() {
            @Override public Class<? extends Annotation> annotationType() { return FlowSeries.Config.class; }
            @Override public String[] labelGroups() { return new String[] {"addresses", "protocol"}; }
            @Override public int maxSeries() { return maxSeries; }
            @Override public int expireSeconds() { return 600; }
            @Override public int bandwidthWindowSeconds() { return 60; }
            @Override public String[] localNetworks() { return new String[] {"10.0.0.0/8"}; }
        };
    }

    static MetricsServlet.Config servletConfig() {
        return new MetricsServlet.Config() {
            @Override public Class<? extends Annotation> annotationType() { return MetricsServlet.Config.class; }
            @Override public String osgi_http_whiteboard_servlet_pattern() { return "/metrics"; }
            @Override public String namespace() { return "flow"; }
            @Override public String subsystem() { return ""; }
            @Override public String[] staticLabels() { return new String[0]; }
            @Override public boolean jvmMetrics() { return true; }
            public boolean gzip() { return true; }
        };
    }
}
