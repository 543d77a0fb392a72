package org.flowlens.api.alert;

/**
 * Event Admin topics alerts are published on. Each event carries the {@link Alert} under
 * {@link #ALERT} and its fields as plain properties, so handlers outside Flowlens need no types.
 */
public final class AlertTopics {
    public static final String RAISED = "org/flowlens/alert/RAISED";
    public static final String ONGOING = "org/flowlens/alert/ONGOING";
    public static final String RESOLVED = "org/flowlens/alert/RESOLVED";
    /** An operator acknowledged an alert; the event also carries the acknowledgement properties. */
    public static final String ACKNOWLEDGED = "org/flowlens/alert/ACKNOWLEDGED";
    /** Subscribe to all alert events. */
    public static final String ALL = "org/flowlens/alert/*";
    /** Event property holding the {@link Alert}. */
    public static final String ALERT = "alert";

    // The alert's fields as plain event properties (String, Long, Double; evidence as a List of Maps).
    public static final String ID = "id";
    public static final String DETECTOR = "detector";
    public static final String KEY = "key";
    /** The severity's name: INFO, WARNING, CRITICAL. */
    public static final String SEVERITY = "severity";
    /** The state's name: RAISED, ONGOING, RESOLVED. */
    public static final String STATE = "state";
    public static final String FIRST_MILLIS = "firstMillis";
    public static final String LAST_MILLIS = "lastMillis";
    public static final String VALUE = "value";
    public static final String THRESHOLD = "threshold";
    public static final String MESSAGE = "message";
    public static final String EVIDENCE = "evidence";
    /** On {@link #ACKNOWLEDGED} events: who acknowledged (String). */
    public static final String ACKNOWLEDGED_BY = "acknowledgedBy";
    /** On {@link #ACKNOWLEDGED} events: the operator's note (String, may be empty). */
    public static final String ACKNOWLEDGED_NOTE = "acknowledgedNote";
    /** On {@link #ACKNOWLEDGED} events: when, epoch milliseconds (Long). */
    public static final String ACKNOWLEDGED_MILLIS = "acknowledgedMillis";

    private AlertTopics() {}
}
