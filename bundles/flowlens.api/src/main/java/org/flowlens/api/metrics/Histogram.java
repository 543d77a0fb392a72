package org.flowlens.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** Observations counted into fixed buckets, e.g. processing times in seconds. */
@ProviderType
public interface Histogram {
    void observe(double value);
}
