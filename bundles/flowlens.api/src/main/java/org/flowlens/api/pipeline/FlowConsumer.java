package org.flowlens.api.pipeline;

import org.flowlens.api.flow.FlowBatch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard contract of everything that reads the record stream: the aggregator, detectors, the
 * store, sinks, the forwarder. Register a service of this type and the pipeline delivers every
 * enriched batch to it, on a thread and bounded queue of its own: a slow consumer loses batches
 * (counted per consumer) but never stalls the others.
 */
@ConsumerType
public interface FlowConsumer {
    /** Service property: the consumer's name in counters and the console. */
    String NAME = "flowlens.consumer.name";
    /** Service property: batches that may wait for this consumer before new ones are dropped (Integer). */
    String QUEUE = "flowlens.consumer.queue";

    /** Reads one batch. The batch and its records are shared and must not be modified. */
    void accept(FlowBatch batch);
}
