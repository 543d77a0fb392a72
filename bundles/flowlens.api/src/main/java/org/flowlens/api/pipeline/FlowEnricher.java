package org.flowlens.api.pipeline;

import org.flowlens.api.flow.FlowBatch;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Adds fields to records before they reach consumers (GeoIP, ASN, domain names, interface
 * names). Enrichers run in the pipeline's workers, highest {@code service.ranking} first, and must
 * be fast: cache, never block on I/O.
 */
@ConsumerType
public interface FlowEnricher {
    void enrich(FlowBatch batch);
}
