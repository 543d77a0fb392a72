package org.flowlens.api.query;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What the web console, the REST API, the Prometheus exporter and detectors ask of the in-memory
 * aggregates. Answers are consistent snapshots that carry their window and time.
 */
@ProviderType
public interface FlowQueryService {
    /** Totals of everything delivered to consumers since start. */
    Totals totals();
}
