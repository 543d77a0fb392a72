package org.flowlens.api.store;

import java.util.List;

import org.flowlens.api.flow.FlowRecord;

/**
 * One page of a log search.
 *
 * @param search the search answered
 * @param total every record that matches the search, on this page or not
 * @param flows the page, in the order asked for; records the caller owns
 * @param atMillis when the answer was made
 */
public record FlowPage(FlowSearch search, long total, List<FlowRecord> flows, long atMillis) {
    public FlowPage {
        flows = List.copyOf(flows);
    }

    /** True when matches follow this page. */
    public boolean hasMore() {
        return (long) search.offset() + flows.size() < total;
    }
}
