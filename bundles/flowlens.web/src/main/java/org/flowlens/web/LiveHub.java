package org.flowlens.web;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowConsumer;
import org.flowlens.api.query.FlowQueryService;
import org.flowlens.api.query.Group;
import org.flowlens.api.query.Metric;
import org.flowlens.api.query.TopN;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

/**
 * The live side of the console: a flow consumer ({@code web-live}) that keeps a bounded ring of
 * the most recent records and pushes them to WebSocket clients of {@code /ws/logs}; top sessions
 * pushed to {@code /ws/sessions}; alert events pushed to {@code /ws/alerts}. Every client can pause
 * and filter its feed; a client that reads too slowly loses messages (counted) instead of holding
 * anything up.
 */
@Component(service = {LiveHub.class, FlowConsumer.class, EventHandler.class}, configurationPid = LiveHub.PID,
        property = {FlowConsumer.NAME + "=web-live", FlowConsumer.QUEUE + ":Integer=64", EventConstants.EVENT_TOPIC + "=" + AlertTopics.ALL})
@Designate(ocd = LiveHub.Config.class)
public class LiveHub implements FlowConsumer, EventHandler {
    static final String PID = "flowlens.web.live";
    private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
    private static final int MAX_PER_MESSAGE = 500;

    @ObjectClassDefinition(name = "Flowlens live feeds", description = "Recent records kept for the console and the WebSocket feeds /ws/logs, /ws/sessions, /ws/alerts.")
    public @interface Config {
        @AttributeDefinition(name = "Recent records kept", description = "Ring of the most recent records: live page, recent searches, map points.")
        int ringSize() default 5000;

        @AttributeDefinition(name = "WebSocket connections", description = "Most WebSocket clients at once; more are refused.")
        int maxConnections() default 100;

        @AttributeDefinition(name = "WebSocket connections per client address")
        int maxConnectionsPerClient() default 10;

        @AttributeDefinition(name = "Records waiting per client", description = "Beyond this a slow client loses records (counted).")
        int clientQueue() default 2000;

        @AttributeDefinition(name = "Push interval (ms)", description = "How often waiting records go out to each client.")
        int pushIntervalMillis() default 500;

        @AttributeDefinition(name = "Sessions interval (s)", description = "How often /ws/sessions clients get the top sessions.")
        int sessionsIntervalSeconds() default 2;
    }

    enum Channel { LOGS, SESSIONS, ALERTS }

    /** One WebSocket client. */
    static final class Client {
        final Channel channel;
        final String address;
        final String user;
        volatile Session session;
        volatile boolean paused;
        volatile RecordFilter filter = RecordFilter.ALL;
        final ArrayBlockingQueue<Object> queue;
        final AtomicBoolean sending = new AtomicBoolean();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong sent = new AtomicLong();

        Client(Channel channel, String address, String user, int queue) {
            this.channel = channel;
            this.address = address;
            this.user = user;
            this.queue = new ArrayBlockingQueue<>(Math.max(1, queue));
        }
    }

    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger reserved = new AtomicInteger();
    private final Counter droppedRecords;
    private final Counter refusedConnections;
    private final Metrics metrics;
    private volatile FlowQueryService query;
    private volatile EventLog events;
    private volatile Config config;
    private FlowRecord[] ring;
    private int ringNext;
    private long ringTotal;
    private ScheduledExecutorService timer;

    @Activate
    public LiveHub(@Reference Metrics metrics, Config config) {
        this.metrics = metrics;
        this.config = valid(config) ? config : null;
        if (this.config == null) {
            LOG.error("{}: sizes and intervals must be positive; using the defaults", PID);
        }
        droppedRecords = metrics.counter("flowlens_web_live_dropped_total", "Live feed messages a slow WebSocket client lost");
        refusedConnections = metrics.counter("flowlens_web_live_refused_connections_total", "WebSocket connections refused by the caps");
        metrics.gauge("flowlens_web_live_clients", "WebSocket clients connected", clients::size);
        ring = new FlowRecord[ringSize()];
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-web-live");
            t.setDaemon(true);
            return t;
        });
        schedule();
    }

    @Modified
    void modified(Config next) {
        if (!valid(next)) {
            LOG.error("{}: sizes and intervals must be positive; keeping the previous configuration", PID);
            return;
        }
        boolean resize = config == null || next.ringSize() != config.ringSize();
        config = next;
        if (resize) {
            synchronized (this) {
                ring = new FlowRecord[ringSize()];
                ringNext = 0;
            }
        }
        timer.shutdownNow();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-web-live");
            t.setDaemon(true);
            return t;
        });
        schedule();
    }

    @Deactivate
    void deactivate() {
        timer.shutdownNow();
        for (Client c : clients) {
            close(c, "server stopping");
        }
        clients.clear();
        metrics.remove("flowlens_web_live_clients");
    }

    private static boolean valid(Config c) {
        return c.ringSize() > 0 && c.maxConnections() > 0 && c.maxConnectionsPerClient() > 0 && c.clientQueue() > 0
                && c.pushIntervalMillis() > 0 && c.sessionsIntervalSeconds() > 0;
    }

    private int ringSize() {
        return config == null ? 5000 : config.ringSize();
    }

    private Config cfg() {
        Config c = config;
        return c;
    }

    private void schedule() {
        int push = cfg() == null ? 500 : cfg().pushIntervalMillis();
        int sessions = cfg() == null ? 2 : cfg().sessionsIntervalSeconds();
        timer.scheduleWithFixedDelay(this::flush, push, push, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::pushSessions, 1, sessions, TimeUnit.SECONDS);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindQuery(FlowQueryService q) {
        query = q;
    }

    void unbindQuery(FlowQueryService q) {
        if (query == q) {
            query = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindEvents(EventLog log) {
        events = log;
    }

    void unbindEvents(EventLog log) {
        if (events == log) {
            events = null;
        }
    }

    @Override
    public void accept(FlowBatch batch) {
        synchronized (this) {
            FlowRecord[] r = ring;
            for (int i = 0; i < batch.size(); i++) {
                r[ringNext] = batch.get(i);
                ringNext = ringNext + 1 == r.length ? 0 : ringNext + 1;
            }
            ringTotal += batch.size();
        }
        for (Client c : clients) {
            if (c.channel != Channel.LOGS || c.paused) {
                continue;
            }
            RecordFilter f = c.filter;
            for (int i = 0; i < batch.size(); i++) {
                FlowRecord r = batch.get(i);
                if (f.matches(r) && !c.queue.offer(r)) {
                    c.dropped.incrementAndGet();
                    droppedRecords.increment();
                }
            }
        }
    }

    /** The most recent records matching a filter, newest first, skipping {@code offset}; {@code total[0]} gets the number matched. */
    List<FlowRecord> recent(RecordFilter filter, long sinceMillis, long untilMillis, int offset, int limit, long[] total) {
        FlowRecord[] copy;
        int next;
        synchronized (this) {
            copy = ring.clone();
            next = ringNext;
        }
        List<FlowRecord> out = new ArrayList<>();
        long matched = 0;
        for (int k = 1; k <= copy.length; k++) {
            FlowRecord r = copy[(next - k + copy.length) % copy.length];
            if (r == null) {
                break;
            }
            long t = r.receivedMillis();
            if (t < sinceMillis || t > untilMillis || !filter.matches(r)) {
                continue;
            }
            if (matched >= offset && out.size() < limit) {
                out.add(r);
            }
            matched++;
        }
        total[0] = matched;
        return out;
    }

    int ringCapacity() {
        return ring.length;
    }

    synchronized long ringTotal() {
        return ringTotal;
    }

    int clientCount() {
        return clients.size();
    }

    /** Reserves a connection slot for a client address; false when a cap is reached. */
    boolean reserve(String address) {
        Config c = cfg();
        int max = c == null ? 100 : c.maxConnections();
        int perClient = c == null ? 10 : c.maxConnectionsPerClient();
        if (reserved.incrementAndGet() > max) {
            reserved.decrementAndGet();
            refusedConnections.increment();
            return false;
        }
        AtomicInteger n = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (n.incrementAndGet() > perClient) {
            n.decrementAndGet();
            reserved.decrementAndGet();
            refusedConnections.increment();
            return false;
        }
        return true;
    }

    void release(String address) {
        reserved.decrementAndGet();
        AtomicInteger n = perAddress.get(address);
        if (n != null && n.decrementAndGet() <= 0) {
            perAddress.remove(address, n);
        }
    }

    Client open(Channel channel, String address, String user, Session session) {
        Config c = cfg();
        Client client = new Client(channel, address, user, c == null ? 2000 : c.clientQueue());
        client.session = session;
        clients.add(client);
        JsonObject hello = new JsonObject();
        hello.addProperty("type", "hello");
        hello.addProperty("channel", channel.name().toLowerCase(java.util.Locale.ROOT));
        send(client, hello.toString());
        if (channel == Channel.LOGS) {
            // the most recent records first, so the page is not empty until traffic comes
            long[] total = new long[1];
            List<FlowRecord> recent = recent(RecordFilter.ALL, 0, Long.MAX_VALUE, 0, 100, total);
            for (int i = recent.size() - 1; i >= 0; i--) {
                client.queue.offer(recent.get(i));
            }
        }
        return client;
    }

    void closed(Client c) {
        if (clients.remove(c)) {
            release(c.address);
        }
    }

    /** A message from a client: {@code {"pause": true}}, {@code {"filter": {"ip": ..., "port": ..., "protocol": ...}}}. */
    void message(Client c, String text) {
        JsonObject answer = new JsonObject();
        answer.addProperty("type", "ack");
        try {
            if (text.length() > Requests.MAX_SMALL_BODY) {
                throw new Requests.BadRequest("message larger than " + Requests.MAX_SMALL_BODY + " characters");
            }
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new Requests.BadRequest("expected a JSON object");
            }
            JsonObject o = e.getAsJsonObject();
            if (o.has("pause")) {
                c.paused = o.get("pause").getAsBoolean();
                if (c.paused) {
                    c.queue.clear();
                }
            }
            if (o.has("filter")) {
                JsonElement f = o.get("filter");
                c.filter = f.isJsonObject() ? RecordFilter.of(f.getAsJsonObject()) : RecordFilter.ALL;
                c.queue.clear();
            }
            answer.addProperty("paused", c.paused);
            answer.addProperty("filtered", !c.filter.matchesAll());
        } catch (Requests.BadRequest | JsonParseException | IllegalStateException | UnsupportedOperationException ex) {
            answer.addProperty("type", "error");
            answer.addProperty("error", ex.getMessage());
        }
        send(c, answer.toString());
    }

    /** Sends what waits for each logs client, skipping clients whose previous message is still on its way. */
    void flush() {
        try {
            for (Client c : clients) {
                if (c.channel == Channel.SESSIONS || c.queue.isEmpty() || c.sending.get()) {
                    continue;
                }
                if (c.channel == Channel.LOGS) {
                    JsonArray records = new JsonArray();
                    Object o;
                    while (records.size() < MAX_PER_MESSAGE && (o = c.queue.poll()) != null) {
                        records.add(FlowJson.write((FlowRecord) o));
                    }
                    JsonObject m = new JsonObject();
                    m.addProperty("type", "logs");
                    m.add("records", records);
                    m.addProperty("dropped", c.dropped.get());
                    send(c, JsonResponses.GSON.toJson(m));
                } else {
                    Object o = c.queue.poll();
                    if (o != null) {
                        send(c, (String) o);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Live feed push failed: {}", e.toString());
        }
    }

    void pushSessions() {
        try {
            FlowQueryService q = query;
            boolean any = false;
            for (Client c : clients) {
                any |= c.channel == Channel.SESSIONS && !c.paused;
            }
            if (!any) {
                return;
            }
            JsonObject base = new JsonObject();
            base.addProperty("type", "sessions");
            TopN top = null;
            if (q == null) {
                base.addProperty("error", "the aggregator is not running");
            } else {
                List<Duration> windows = q.windows();
                top = q.top(windows.get(0), FlowQueryService.SESSIONS, Metric.BYTES, q.topN());
                base.addProperty("window", windows.get(0).toSeconds());
                base.addProperty("total_bytes", top.totalBytes());
                base.addProperty("at", top.atMillis());
            }
            for (Client c : clients) {
                if (c.channel != Channel.SESSIONS || c.paused || c.sending.get()) {
                    if (c.channel == Channel.SESSIONS && c.sending.get()) {
                        c.dropped.incrementAndGet();
                        droppedRecords.increment();
                    }
                    continue;
                }
                JsonObject m = base.deepCopy();
                if (top != null) {
                    m.add("rows", SessionsServlet.rows(top, c.filter, 200));
                }
                m.addProperty("dropped", c.dropped.get());
                send(c, JsonResponses.GSON.toJson(m));
            }
        } catch (RuntimeException e) {
            LOG.warn("Live sessions push failed: {}", e.toString());
        }
    }

    @Override
    public void handleEvent(Event event) {
        Object a = event.getProperty(AlertTopics.ALERT);
        JsonObject m = new JsonObject();
        m.addProperty("type", "alert");
        m.addProperty("topic", event.getTopic());
        if (a instanceof Alert alert) {
            m.add("alert", JsonResponses.GSON.toJsonTree(alert));
        } else {
            JsonObject o = new JsonObject();
            for (String name : event.getPropertyNames()) {
                Object v = event.getProperty(name);
                if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                    o.add(name, JsonResponses.GSON.toJsonTree(v));
                }
            }
            m.add("alert", o);
        }
        if (event.getProperty(AlertTopics.ACKNOWLEDGED_BY) != null) {
            m.addProperty("acknowledged_by", String.valueOf(event.getProperty(AlertTopics.ACKNOWLEDGED_BY)));
        }
        String text = JsonResponses.GSON.toJson(m);
        for (Client c : clients) {
            if (c.channel == Channel.ALERTS && !c.paused && !c.queue.offer(text)) {
                c.dropped.incrementAndGet();
                droppedRecords.increment();
            }
        }
        EventLog log = events;
        if (log != null && AlertTopics.RAISED.equals(event.getTopic())) {
            log.record("alert", "alert raised: " + event.getProperty(AlertTopics.DETECTOR) + " " + event.getProperty(AlertTopics.KEY) + " — "
                    + event.getProperty(AlertTopics.MESSAGE));
        }
    }

    private void send(Client c, String text) {
        Session s = c.session;
        if (s == null || !s.isOpen()) {
            closed(c);
            return;
        }
        if (!c.sending.compareAndSet(false, true)) {
            c.dropped.incrementAndGet();
            droppedRecords.increment();
            return;
        }
        try {
            s.getAsyncRemote().sendText(text, result -> {
                c.sending.set(false);
                if (result.isOK()) {
                    c.sent.incrementAndGet();
                } else {
                    close(c, "send failed");
                }
            });
        } catch (RuntimeException e) {
            c.sending.set(false);
            close(c, "send failed");
        }
    }

    private void close(Client c, String why) {
        closed(c);
        Session s = c.session;
        if (s != null && s.isOpen()) {
            try {
                s.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, why));
            } catch (IOException | RuntimeException e) {
                // already gone
            }
        }
    }
}
