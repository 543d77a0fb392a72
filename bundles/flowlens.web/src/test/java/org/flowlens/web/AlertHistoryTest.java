package org.flowlens.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEntry;
import org.flowlens.api.alert.AlertService;
import org.flowlens.api.query.Metric;
import org.flowlens.api.store.AlertPage;
import org.flowlens.api.store.AlertSearch;
import org.flowlens.api.store.FlowPage;
import org.flowlens.api.store.FlowSearch;
import org.flowlens.api.store.FlowStore;
import org.flowlens.api.store.Series;
import org.flowlens.api.store.StoreStatus;
import org.flowlens.api.store.TopTalkers;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /api/alerts?state=all}: with a flow store, the history reaches past the alert
 * service's bounded memory; the alert service's entries are the fresher ones.
 */
class AlertHistoryTest {
    private static final long T0 = 1_741_600_000_000L;

    private static Alert alert(int i, Alert.State state) {
        return new Alert("a" + i, i % 2 == 0 ? "portscan" : "flood", "10.0.0." + i, Alert.Severity.WARNING, state, T0 + i * 1_000L,
                T0 + i * 1_000L + 10, i, 1, "alert " + i, List.of(Map.of("n", i)));
    }

    /** The alert service's memory: only the last few alerts. */
    private static final class LastFew implements AlertService {
        final List<AlertEntry> kept = new ArrayList<>();

        @Override
        public List<AlertEntry> active() {
            return List.of();
        }

        @Override
        public List<AlertEntry> history(String detector, int limit) {
            return kept.stream().filter(e -> detector == null || detector.equals(e.alert().detector()))
                    .sorted(Comparator.comparingLong((AlertEntry e) -> e.alert().lastMillis()).reversed()).limit(limit).toList();
        }

        @Override
        public Optional<AlertEntry> get(String id) {
            return kept.stream().filter(e -> e.alert().id().equals(id)).findFirst();
        }

        @Override
        public Optional<AlertEntry> acknowledge(String id, String by, String note) {
            return Optional.empty();
        }

        @Override
        public List<String> detectors() {
            return List.of("flood", "portscan");
        }
    }

    /** The store's alert history over a list; the other queries are not used here. */
    private static final class History implements FlowStore {
        final List<AlertEntry> entries = new ArrayList<>();

        @Override
        public AlertPage alerts(AlertSearch s) {
            List<AlertEntry> match = entries.stream()
                    .filter(e -> e.alert().lastMillis() >= s.fromMillis() && e.alert().lastMillis() < s.toMillis())
                    .filter(e -> s.detector() == null || s.detector().equals(e.alert().detector()))
                    .filter(e -> s.key() == null || s.key().equals(e.alert().key()))
                    .sorted(Comparator.comparingLong((AlertEntry e) -> e.alert().lastMillis()).reversed()).toList();
            return new AlertPage(s, match.size(), match.subList(Math.min(s.offset(), match.size()),
                    Math.min(s.offset() + s.limit(), match.size())), T0);
        }

        @Override
        public FlowPage search(FlowSearch search) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TopTalkers topTalkers(long fromMillis, long toMillis, Metric order, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Series protocolSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Series portSeries(long fromMillis, long toMillis, long stepMillis, Metric order, int limit) {
            throw new UnsupportedOperationException();
        }

        @Override
        public StoreStatus status() {
            throw new UnsupportedOperationException();
        }
    }

    private static HttpServletRequest request(Map<String, String> params) {
        return (HttpServletRequest) Proxy.newProxyInstance(AlertHistoryTest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getParameter" -> params.get((String) a[0]);
                    case "getPathInfo", "getHeader" -> null;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static JsonObject get(AlertsServlet servlet, Map<String, String> params) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] status = {0};
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                body.write(b);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener l) {
                throw new UnsupportedOperationException();
            }
        };
        HttpServletResponse resp = (HttpServletResponse) Proxy.newProxyInstance(AlertHistoryTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (p, m, a) -> switch (m.getName()) {
                    case "setStatus" -> {
                        status[0] = (Integer) a[0];
                        yield null;
                    }
                    case "setContentType", "setHeader", "setContentLength" -> null;
                    case "getOutputStream" -> out;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        servlet.doGet(request(params), resp);
        assertEquals(200, status[0], body.toString(StandardCharsets.UTF_8));
        return JsonParser.parseString(body.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static List<String> ids(JsonObject answer) {
        List<String> out = new ArrayList<>();
        for (var e : answer.getAsJsonArray("alerts")) {
            out.add(e.getAsJsonObject().getAsJsonObject("alert").get("id").getAsString());
        }
        return out;
    }

    @Test
    void historyPastTheAlertServiceMemoryComesFromTheStore() throws Exception {
        History store = new History();
        LastFew memory = new LastFew();
        for (int i = 0; i < 20; i++) {
            store.entries.add(new AlertEntry(alert(i, i == 19 ? Alert.State.ONGOING : Alert.State.RESOLVED), null, 2));
        }
        // the service remembers the last five, one of them fresher than the store's copy, and one the store has not flushed yet
        for (int i = 15; i < 19; i++) {
            memory.kept.add(new AlertEntry(alert(i, Alert.State.RESOLVED), null, 2));
        }
        memory.kept.add(new AlertEntry(alert(19, Alert.State.RESOLVED), new Acknowledgement("ops", "", T0), 3));
        memory.kept.add(new AlertEntry(alert(20, Alert.State.RAISED), null, 1));

        AlertsServlet servlet = new AlertsServlet();
        servlet.bindAlerts(memory);
        JsonObject memoryOnly = get(servlet, Map.of("state", "all", "limit", "10"));
        assertEquals("memory", memoryOnly.get("source").getAsString());
        assertEquals(List.of("a20", "a19", "a18", "a17", "a16", "a15"), ids(memoryOnly));

        servlet.bindStore(store);
        JsonObject first = get(servlet, Map.of("state", "all", "limit", "10"));
        assertEquals("store", first.get("source").getAsString());
        assertEquals(List.of("a20", "a19", "a18", "a17", "a16", "a15", "a14", "a13", "a12", "a11", "a10"), ids(first),
                "the store's page, and the alert not flushed yet on top");
        assertEquals(21, first.get("total").getAsLong(), "twenty stored and one not flushed yet");
        JsonObject a19 = first.getAsJsonArray("alerts").get(1).getAsJsonObject();
        assertEquals("RESOLVED", a19.getAsJsonObject("alert").get("state").getAsString(), "the alert service's entry is fresher");
        assertEquals("ops", a19.getAsJsonObject("acknowledgement").get("by").getAsString());
        JsonObject second = get(servlet, Map.of("state", "all", "limit", "10", "offset", "10"));
        assertEquals(List.of("a9", "a8", "a7", "a6", "a5", "a4", "a3", "a2", "a1", "a0"), ids(second),
                "alerts the alert service forgot long ago");
        assertEquals(21, second.get("total").getAsLong(), "every page counts the alert not flushed yet");

        // pages shorter than the alert service's memory: what it remembers of later pages stays on them
        JsonObject short1 = get(servlet, Map.of("state", "all", "limit", "3"));
        assertEquals(List.of("a20", "a19", "a18", "a17"), ids(short1));
        assertEquals(21, short1.get("total").getAsLong());
        JsonObject short2 = get(servlet, Map.of("state", "all", "limit", "3", "offset", "3"));
        assertEquals(List.of("a16", "a15", "a14"), ids(short2), "no alert twice");

        JsonObject filtered = get(servlet, Map.of("state", "all", "detector", "flood", "since", Long.toString(T0 + 5_000),
                "until", Long.toString(T0 + 12_000)));
        assertEquals(List.of("a11", "a9", "a7", "a5"), ids(filtered));
        JsonArray active = get(servlet, Map.of()).getAsJsonArray("alerts");
        assertEquals(0, active.size(), "active alerts still come from the alert service");
    }
}
