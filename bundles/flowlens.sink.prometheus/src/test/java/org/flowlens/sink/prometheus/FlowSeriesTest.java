package org.flowlens.sink.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.lang.annotation.Annotation;
import java.util.Collections;
import java.util.List;

import org.flowlens.api.flow.FlowBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.prometheus.client.exporter.common.TextFormat;

class FlowSeriesTest {
    private FlowSeries series;

    static FlowSeries.Config config(int maxSeries, String... groups) {
        return new FlowSeries.Config() {
            @Override public Class<? extends Annotation> annotationType() { return FlowSeries.Config.class; }
            @Override public String[] labelGroups() { return groups; }
            @Override public int maxSeries() { return maxSeries; }
            @Override public int expireSeconds() { return 600; }
            @Override public int bandwidthWindowSeconds() { return 60; }
            @Override public String[] localNetworks() { return new String[] {"10.0.0.0/8"}; }
        };
    }

    @AfterEach
    void stop() {
        series.deactivate();
    }

    /** 1,000 sources, 100 allowed series: totals stay exact, the rest folds into "other". */
    @Test
    void theCardinalityGuardKeepsTotalsExact() {
        series = new FlowSeries(config(100, "addresses", "protocol"));
        long bytes = 0;
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 1000; i++) {
            b.next().srcV4(0x0A000000 + i).dstV4(0xC0A80001).protocol(6).bytes(100 + i).packets(1);
            bytes += 100 + i;
        }
        series.accept(b);
        FlowSeries.Snapshot s = series.snapshot();
        assertEquals(101, s.flows().size(), "100 series and other");
        assertEquals(1000, s.flows().stream().mapToLong(Rows.Row::flows).sum());
        assertEquals(bytes, s.flows().stream().mapToLong(Rows.Row::bytes).sum());
        assertEquals(900, s.foldedKeys()[0], 20, "folded keys estimate");
        assertEquals(bytes, s.bytesSent());
        assertEquals(0, s.bytesReceived());
    }

    /** When keys are folded, maintenance makes room by folding the quietest series, still exact. */
    @Test
    void maintenanceFoldsTheQuietestSeriesToMakeRoom() {
        series = new FlowSeries(config(10, "addresses"));
        FlowBatch b = new FlowBatch();
        for (int i = 0; i < 20; i++) {
            b.next().srcV4(0x0A000000 + i).dstV4(1).bytes(i + 1).packets(1);
        }
        series.accept(b);
        series.maintain(System.currentTimeMillis());
        FlowSeries.Snapshot s = series.snapshot();
        assertEquals(9 + 1, s.flows().size(), "one series folded to make room, plus other");
        assertEquals(210, s.flows().stream().mapToLong(Rows.Row::bytes).sum());
    }

    @Test
    void theTextFormatCarriesLabelsAndTheNetworkNames() throws Exception {
        series = new FlowSeries(config(100, "addresses", "protocol", "ports"));
        FlowBatch b = new FlowBatch();
        b.next().srcV4(0x0A000001).dstV4(0x08080808).srcPort(5353).dstPort(53).protocol(17).bytes(80).packets(1).dstDomain("dns.google");
        series.accept(b);
        MetricsServlet servlet = new MetricsServlet(new org.flowlens.pipeline.MetricsRegistry(), series, new MetricsServlet.Config() {
            @Override public Class<? extends Annotation> annotationType() { return MetricsServlet.Config.class; }
            @Override public String osgi_http_whiteboard_servlet_pattern() { return "/metrics"; }
            @Override public String namespace() { return "flow"; }
            @Override public String subsystem() { return ""; }
            @Override public String[] staticLabels() { return new String[] {"environment=test"}; }
            @Override public boolean jvmMetrics() { return false; }
            @Override public boolean gzip() { return true; }
        });
        StringWriter w = new StringWriter();
        TextFormat.write004(w, Collections.enumeration(servlet.collect(servlet.currentSettings())));
        String text = w.toString();
        assertTrue(text.contains("flow_bytes_total{src_addr=\"10.0.0.1\",dst_addr=\"8.8.8.8\",protocol=\"UDP\",src_port=\"5353\",dst_port=\"53\",environment=\"test\",} 80.0"), text);
        assertTrue(text.contains("# TYPE flow_flows_total counter"), text);
        assertTrue(text.contains("network_domain_bytes_sent_total{domain=\"dns.google\",environment=\"test\",} 80.0"), text);
        assertTrue(text.contains("network_protocol_stats{protocol=\"UDP\",environment=\"test\",} 1.0"), text);
        assertTrue(text.contains("flow_bandwidth_bps{"), text);
        List<String> lines = List.of(text.split("\n"));
        assertTrue(lines.stream().noneMatch(l -> l.contains("flowlens_")), "internal names are renamed");
    }
}
