package org.flowlens.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** A monotonic counter, safe and cheap from many threads. */
@ProviderType
public interface Counter {
    void add(long n);

    default void increment() {
        add(1);
    }

    long get();
}
