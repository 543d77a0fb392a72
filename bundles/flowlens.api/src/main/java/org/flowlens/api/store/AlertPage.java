package org.flowlens.api.store;

import java.util.List;

import org.flowlens.api.alert.AlertEntry;

/**
 * One page of the alert history.
 *
 * @param search the search answered
 * @param total every alert that matches the search, on this page or not
 * @param alerts the page, most recently updated first: each alert as last stored (state, value,
 *     evidence of its latest event), its acknowledgement, how many events it had and its timeline
 *     (the first event and the most recent ones, at most {@link AlertEntry#TIMELINE})
 * @param atMillis when the answer was made
 */
public record AlertPage(AlertSearch search, long total, List<AlertEntry> alerts, long atMillis) {
    public AlertPage {
        alerts = List.copyOf(alerts);
    }

    /** True when matches follow this page. */
    public boolean hasMore() {
        return (long) search.offset() + alerts.size() < total;
    }
}
