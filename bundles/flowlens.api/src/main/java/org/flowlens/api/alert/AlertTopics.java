package org.flowlens.api.alert;

/**
 * Event Admin topics alerts are published on. Each event carries the {@link Alert} under
 * {@link #ALERT} and its fields as plain properties, so handlers outside Flowlens need no types.
 */
public final class AlertTopics {
    public static final String RAISED = "org/flowlens/alert/RAISED";
    public static final String ONGOING = "org/flowlens/alert/ONGOING";
    public static final String RESOLVED = "org/flowlens/alert/RESOLVED";
    /** Subscribe to all alert events. */
    public static final String ALL = "org/flowlens/alert/*";
    /** Event property holding the {@link Alert}. */
    public static final String ALERT = "alert";

    private AlertTopics() {}
}
