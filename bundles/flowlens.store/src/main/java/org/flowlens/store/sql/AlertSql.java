package org.flowlens.store.sql;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.store.AlertSearch;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;

/**
 * The {@code alerts} table every engine keeps, one row per alert event, and the SQL that writes
 * and reads it. Columns: {@code alert_id, detector, alert_key, severity, state, event, event_ms,
 * seq, first_ms, last_ms, value, threshold, message, evidence} (JSON), {@code ack_by, ack_note}.
 * An alert's entry is rebuilt from its events: the latest state event is the alert, the number of
 * state events its updates, the first and the most recent ones its timeline, the latest
 * acknowledgement its acknowledgement.
 */
public final class AlertSql {
    /** The columns in table order. */
    public static final String COLUMNS = "alert_id, detector, alert_key, severity, state, event, event_ms, seq, first_ms, last_ms, "
            + "value, threshold, message, evidence, ack_by, ack_note";
    private static final Gson GSON = new GsonBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).serializeNulls()
            .serializeSpecialFloatingPointValues().create();
    private static final java.lang.reflect.Type EVIDENCE = new TypeToken<List<Map<String, Object>>>() {}.getType();

    private AlertSql() {}

    /** One INSERT of the events. */
    public static String insert(Dialect d, List<StoredAlert> events) {
        StringBuilder sb = new StringBuilder(256 * events.size() + 64);
        sb.append("INSERT INTO ").append(d.table("alerts")).append(" (").append(COLUMNS).append(") VALUES ");
        for (int i = 0; i < events.size(); i++) {
            StoredAlert e = events.get(i);
            Alert a = e.alert();
            Acknowledgement ack = e.acknowledgement();
            sb.append(i == 0 ? "(" : ", (");
            sb.append(d.text(a.id())).append(", ").append(d.text(nz(a.detector()))).append(", ").append(d.text(nz(a.key())));
            sb.append(", ").append(d.text(a.severity() == null ? "" : a.severity().name()));
            sb.append(", ").append(d.text(a.state() == null ? "" : a.state().name()));
            sb.append(", ").append(d.text(e.event())).append(", ").append(StoreSql.literal(e.eventMillis()));
            sb.append(", ").append(StoreSql.literal(e.sequence())).append(", ").append(StoreSql.literal(a.firstMillis()));
            sb.append(", ").append(StoreSql.literal(a.lastMillis())).append(", ").append(d.float64(a.value()));
            sb.append(", ").append(d.float64(a.threshold())).append(", ").append(d.text(nz(a.message())));
            sb.append(", ").append(d.text(GSON.toJson(a.evidence() == null ? List.of() : a.evidence())));
            sb.append(", ").append(d.text(ack == null ? "" : nz(ack.by()))).append(", ").append(d.text(ack == null ? "" : nz(ack.note())));
            sb.append(')');
        }
        return sb.toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** The condition of a search on the alerts table. */
    static String where(Dialect d, AlertSearch s) {
        StringBuilder w = new StringBuilder(128);
        w.append("event_ms >= ").append(StoreSql.literal(s.fromMillis())).append(" AND event_ms < ").append(StoreSql.literal(s.toMillis()));
        if (s.detector() != null) {
            w.append(" AND detector = ").append(d.text(s.detector()));
        }
        if (s.key() != null) {
            w.append(" AND alert_key = ").append(d.text(s.key()));
        }
        return w.toString();
    }

    /** Every event of these alerts, grouped by alert, oldest first. */
    static String events(Dialect d, List<String> ids) {
        StringBuilder in = new StringBuilder();
        for (String id : ids) {
            in.append(in.length() == 0 ? "" : ", ").append(d.text(id));
        }
        return "SELECT " + COLUMNS + " FROM " + d.table("alerts") + " WHERE alert_id IN (" + in + ") ORDER BY alert_id, event_ms, seq";
    }

    /** Folds an alert's events, oldest first, into its entry. */
    static final class Folder {
        Alert first;
        Alert latest;
        Acknowledgement ack;
        int updates;
        final ArrayDeque<Alert> recent = new ArrayDeque<>(AlertEntry.TIMELINE);
        Alert anyAlert;

        void add(RowSource row) {
            Alert a = alert(row);
            anyAlert = a;
            String event = nz(row.string(5));
            if (event.equals(StoredAlert.ACKNOWLEDGED)) {
                ack = new Acknowledgement(nz(row.string(14)), nz(row.string(15)), row.int64(6));
                return;
            }
            updates++;
            latest = a;
            if (first == null) {
                first = a;
                return;
            }
            if (recent.size() == AlertEntry.TIMELINE - 1) {
                recent.removeFirst();
            }
            recent.addLast(a);
        }

        AlertEntry entry() {
            if (latest == null) {
                // only an acknowledgement was kept: the alert as it was then
                return new AlertEntry(anyAlert, ack, 0, List.of(anyAlert));
            }
            List<Alert> timeline = new ArrayList<>(recent.size() + 1);
            timeline.add(first);
            timeline.addAll(recent);
            return new AlertEntry(latest, ack, updates, timeline);
        }
    }

    private static Alert alert(RowSource row) {
        List<Map<String, Object>> evidence;
        try {
            String json = row.string(13);
            evidence = json == null ? List.of() : GSON.fromJson(json, EVIDENCE);
        } catch (JsonParseException e) {
            evidence = List.of();
        }
        return new Alert(row.string(0), nz(row.string(1)), nz(row.string(2)), severity(row.string(3)), state(row.string(4)),
                row.int64(8), row.int64(9), float64(row.string(10)), float64(row.string(11)), nz(row.string(12)),
                evidence == null ? List.of() : evidence);
    }

    private static Alert.Severity severity(String s) {
        try {
            return s == null ? Alert.Severity.INFO : Alert.Severity.valueOf(s);
        } catch (IllegalArgumentException e) {
            return Alert.Severity.INFO;
        }
    }

    private static Alert.State state(String s) {
        try {
            return s == null ? Alert.State.RAISED : Alert.State.valueOf(s);
        } catch (IllegalArgumentException e) {
            return Alert.State.RAISED;
        }
    }

    /** A double as engines print it, including their spellings of NaN and infinities. */
    static double float64(String s) {
        if (s == null) {
            return Double.NaN;
        }
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (t) {
            case "nan", "-nan" -> Double.NaN;
            case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    yield Double.parseDouble(t);
                } catch (NumberFormatException e) {
                    yield Double.NaN; // one odd value must not fail the whole history page
                }
            }
        };
    }
}
