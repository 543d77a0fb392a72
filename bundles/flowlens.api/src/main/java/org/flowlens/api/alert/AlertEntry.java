package org.flowlens.api.alert;

import java.util.List;

/**
 * An alert as the {@link AlertService} keeps it: its latest state, its events so far and the
 * operator's acknowledgement.
 *
 * @param alert the alert as last published (state, value and evidence of its latest event)
 * @param acknowledgement null until an operator acknowledges it
 * @param updates how many events the alert has had (1 when only raised)
 * @param timeline its events oldest first: the first one and the most recent ones, at most
 *     {@link #TIMELINE} in all
 */
public record AlertEntry(Alert alert, Acknowledgement acknowledgement, int updates, List<Alert> timeline) {
    /** The most events a timeline keeps. */
    public static final int TIMELINE = 16;

    /** An entry whose timeline holds only the alert as it is now. */
    public AlertEntry(Alert alert, Acknowledgement acknowledgement, int updates) {
        this(alert, acknowledgement, updates, List.of(alert));
    }

    public boolean acknowledged() {
        return acknowledgement != null;
    }
}
