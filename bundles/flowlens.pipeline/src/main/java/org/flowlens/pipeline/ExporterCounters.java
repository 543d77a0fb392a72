package org.flowlens.pipeline;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;

/** Counters of one exporter as heard by one listener. */
final class ExporterCounters {
    final Counter datagrams;
    final Counter bytes;
    final Counter records;
    final Counter sequenceGaps;
    private final Map<String, Counter> drops = new ConcurrentHashMap<>();
    private final String listener;
    private final String exporter;
    private final Metrics metrics;

    ExporterCounters(String listener, String exporter, Metrics metrics) {
        this.listener = listener;
        this.exporter = exporter;
        this.metrics = metrics;
        datagrams = metrics.counter("flowlens_collector_datagrams_total", "Datagrams received", "listener", listener, "exporter", exporter);
        bytes = metrics.counter("flowlens_collector_bytes_total", "Datagram payload bytes received", "listener", listener, "exporter", exporter);
        records = metrics.counter("flowlens_collector_records_total", "Records decoded", "listener", listener, "exporter", exporter);
        sequenceGaps = metrics.counter("flowlens_collector_sequence_gaps_total", "Missing according to the exporter's sequence numbers (flows for v5, packets for v9, records for IPFIX, datagrams for sFlow)", "listener", listener, "exporter", exporter);
    }

    Counter drop(String reason) {
        Counter c = drops.get(reason);
        if (c == null) {
            c = drops.computeIfAbsent(reason, r -> metrics.counter("flowlens_collector_dropped_total",
                    "Records or datagrams a decoder could not decode, by reason", "listener", listener, "exporter", exporter, "reason", r));
        }
        return c;
    }
}
