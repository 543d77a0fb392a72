package org.flowlens.sink.kafka;

import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;

/** The Kafka sink's counters in the metrics registry, labelled with the sink's name. */
final class SinkCounters {
    enum Kind {
        ALERT("alert"), AGGREGATE("aggregate");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    static final String RECORDS = "flowlens_kafka_sink_records_total";
    static final String DROPPED = "flowlens_kafka_sink_dropped_records_total";
    static final String SPOOLED = "flowlens_kafka_sink_spooled_records_total";
    static final String MESSAGES = "flowlens_kafka_sink_messages_total";
    static final String QUEUE = "flowlens_kafka_sink_queue_records";
    static final String SPOOL = "flowlens_kafka_sink_spool_records";
    static final String UP = "flowlens_kafka_sink_up";

    final Counter received;
    final Counter sent;
    final Counter spooled;
    final Counter dropBufferFull;
    final Counter dropUnavailable;
    final Counter dropSendFailed;
    final Counter dropSpoolFull;
    final Counter dropSpoolError;
    final Counter dropEncode;
    final Counter dropStopped;
    private final Counter[] messagesSent = new Counter[Kind.values().length];
    private final Counter[] messagesDropped = new Counter[Kind.values().length];

    SinkCounters(Metrics m, String sink) {
        received = m.counter("flowlens_kafka_sink_received_records_total", "Records handed to the Kafka sink", "sink", sink);
        sent = m.counter(RECORDS, "Flow records Kafka acknowledged", "sink", sink);
        spooled = m.counter(SPOOLED, "Flow records written to the disk spool while Kafka was away", "sink", sink);
        String help = "Flow records the Kafka sink could not deliver nor keep, by reason";
        dropBufferFull = m.counter(DROPPED, help, "sink", sink, "reason", "buffer_full");
        dropUnavailable = m.counter(DROPPED, help, "sink", sink, "reason", "kafka_unavailable");
        dropSendFailed = m.counter(DROPPED, help, "sink", sink, "reason", "send_failed");
        dropSpoolFull = m.counter(DROPPED, help, "sink", sink, "reason", "spool_full");
        dropSpoolError = m.counter(DROPPED, help, "sink", sink, "reason", "spool_error");
        dropEncode = m.counter(DROPPED, help, "sink", sink, "reason", "encode_error");
        dropStopped = m.counter(DROPPED, help, "sink", sink, "reason", "stopped");
        for (Kind k : Kind.values()) {
            messagesSent[k.ordinal()] = m.counter(MESSAGES, "Alert and aggregate messages, sent or dropped", "sink", sink, "kind", k.label(), "result", "sent");
            messagesDropped[k.ordinal()] = m.counter(MESSAGES, "Alert and aggregate messages, sent or dropped", "sink", sink, "kind", k.label(), "result", "dropped");
        }
    }

    void messageSent(Kind k) {
        messagesSent[k.ordinal()].increment();
    }

    void messageDropped(Kind k) {
        messagesDropped[k.ordinal()].increment();
    }
}
