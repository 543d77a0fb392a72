package org.flowlens.api.alert;

import java.util.List;

import org.flowlens.api.pipeline.FlowConsumer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A detector reads the record stream as a {@link org.flowlens.api.pipeline.FlowConsumer}, keeps its own
 * small state and publishes {@link Alert}s on the {@link AlertTopics}.
 */
@ConsumerType
public interface Detector extends FlowConsumer {
    /** The detector's name, as in {@link Alert#detector()}. */
    String name();

    /** Alerts currently raised or ongoing. */
    List<Alert> active();
}
