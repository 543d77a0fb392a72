package org.flowlens.api.capture;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Something that owns sockets, capture handles or files and feeds the pipeline: UDP listeners,
 * live packet capture, file import, HTTP and Kafka ingest. Registered as a service so that the
 * console and the API can list, start and stop sources at run time.
 */
@ConsumerType
public interface CaptureSource {
    /** Service property: the source kind, e.g. {@code udp}, {@code pcap}, {@code pcap-file}, {@code kafka}. */
    String KIND = "flowlens.source.kind";

    enum State { RUNNING, STOPPED, FAILED }

    /** A stable name, unique among sources, e.g. {@code udp:0.0.0.0:2055} or {@code pcap:eth0}. */
    String name();

    State state();

    /** Starts the source if it is stopped; a no-op when running. */
    void start();

    /** Stops the source, releasing its sockets or handles; a no-op when stopped. */
    void stop();

    /** What the console shows: counters, progress, the last error. */
    Map<String, Object> status();
}
