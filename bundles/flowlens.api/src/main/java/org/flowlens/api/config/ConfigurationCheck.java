package org.flowlens.api.config;

import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Tells whether a component would take a configuration, without applying it. Components that refuse
 * invalid values (keeping their last good configuration) offer one, registered with {@link #PID}
 * naming the PID or factory PID they answer for, so that an edit made elsewhere (the Felix Web
 * Console) is saved to {@code config/} only when the component takes it.
 */
@ConsumerType
public interface ConfigurationCheck {
    /** Service property: the PID (or factory PID) whose configurations this check answers for. */
    String PID = "flowlens.config.pid";

    /** Why the component would refuse these properties, or null when it would take them. */
    String problem(String pid, Map<String, Object> properties);

    /** A validation that throws when it refuses. */
    @FunctionalInterface
    interface Validation {
        void run() throws Exception;
    }

    /** The message of what a validation throws, or null when it passes. */
    static String problem(Validation validation) {
        try {
            validation.run();
            return null;
        } catch (Exception e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }
}
