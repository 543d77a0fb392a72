package org.flowlens.api.alert;

/**
 * An alert as the {@link AlertService} keeps it: its latest state and the operator's
 * acknowledgement.
 *
 * @param alert the alert as last published (state, value and evidence of its latest event)
 * @param acknowledgement null until an operator acknowledges it
 * @param updates how many events the alert has had (1 when only raised)
 */
public record AlertEntry(Alert alert, Acknowledgement acknowledgement, int updates) {
    public boolean acknowledged() {
        return acknowledgement != null;
    }
}
