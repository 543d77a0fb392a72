package org.flowlens.store.duckdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.store.AlertPage;
import org.flowlens.api.store.AlertSearch;
import org.flowlens.pipeline.MetricsRegistry;
import org.flowlens.store.sql.Alerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The component keeps the alert history it hears on Event Admin in its file: every alert ever
 * raised is there, however many the alert service's bounded memory has let go since, and it is
 * still there when the component starts again on the same file.
 */
class DuckDbAlertsTest {
    private static final int ALERTS = 250;

    @TempDir
    Path dir;

    private static List<AlertEntry> everything(DuckDbStore store, long from, long to) {
        List<AlertEntry> out = new ArrayList<>();
        for (int offset = 0; offset < ALERTS + 40; offset += 40) {
            AlertPage page = store.alerts(AlertSearch.between(from, to).page(offset, 40));
            assertEquals(ALERTS, page.total());
            out.addAll(page.alerts());
        }
        return out;
    }

    @Test
    void alertHistorySurvivesTheInMemoryBoundAndARestart() throws Exception {
        Path file = dir.resolve("flows.duckdb");
        long t0 = System.currentTimeMillis() - 3_600_000;
        DuckDbStore store = new DuckDbStore(new MetricsRegistry(), Configs.of(file), System::currentTimeMillis);
        List<Alert> last = new ArrayList<>();
        try {
            // more alerts than an alert service with a small history size keeps: once the oldest
            // have left its memory, they exist only in the store
            for (int i = 0; i < ALERTS; i++) {
                long t = t0 + i * 1_000L;
                String key = "10.0." + (i / 250) + "." + (i % 250);
                Alert raised = Alerts.alert("portscan/" + key + "/" + t, i % 3 == 0 ? "hostsweep" : "portscan", key, Alert.State.RAISED,
                        t, t, 100 + i);
                Alert resolved = Alerts.alert(raised.id(), raised.detector(), key, Alert.State.RESOLVED, t, t + 500, 50);
                store.handleEvent(Alerts.event(raised));
                store.handleEvent(Alerts.event(resolved));
                last.add(resolved);
            }
            store.store().writer().flush().get(60, TimeUnit.SECONDS);
            List<AlertEntry> before = everything(store, t0, t0 + ALERTS * 1_000L);
            assertEquals(ALERTS, before.size());
            assertEquals(last.get(ALERTS - 1), before.get(0).alert(), "most recent first");
            assertEquals(last.get(0), before.get(ALERTS - 1).alert(), "the first alert raised is still there");
            assertTrue(before.stream().allMatch(e -> e.updates() == 2 && e.timeline().size() == 2));
            assertEquals(ALERTS / 3 + 1, store.alerts(AlertSearch.between(t0, t0 + ALERTS * 1_000L).detector("hostsweep")).total());
        } finally {
            store.deactivate();
        }

        DuckDbStore again = new DuckDbStore(new MetricsRegistry(), Configs.of(file), System::currentTimeMillis);
        try {
            List<AlertEntry> after = everything(again, t0, t0 + ALERTS * 1_000L);
            List<Alert> expected = new ArrayList<>(last);
            java.util.Collections.reverse(expected);
            assertEquals(expected, after.stream().map(AlertEntry::alert).toList(), "the history after a restart");
        } finally {
            again.deactivate();
        }
    }
}
