package org.flowlens.detect.sink;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.flowlens.api.alert.Alert;
import org.flowlens.api.alert.AlertEvents;
import org.flowlens.api.alert.AlertTopics;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.detect.engine.Units;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

/**
 * Posts alerts as JSON to an HTTP endpoint: generic JSON or a chat tool's incoming webhook (Slack,
 * WeCom, DingTalk). A factory component, one configuration per endpoint. Events wait in a bounded
 * queue for a delivery thread of the sink's own, so a slow endpoint never holds up Event Admin;
 * when the queue is full, new events are dropped and counted. Failed posts are retried with
 * exponential back-off; a 4xx answer other than 408 and 429 is final.
 */
@Component(service = {EventHandler.class, ConfigurationCheck.class}, configurationPid = WebhookSink.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {EventConstants.EVENT_TOPIC + "=" + AlertTopics.ALL, ConfigurationCheck.PID + "=" + WebhookSink.PID})
@Designate(ocd = WebhookSink.Config.class, factory = true)
public class WebhookSink implements EventHandler, ConfigurationCheck {
    static final String PID = "flowlens.detect.webhook";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);

    @ObjectClassDefinition(name = "Flowlens alert webhook",
            description = "Posts alerts as JSON to an HTTP endpoint, e.g. a Slack, WeCom or DingTalk robot. One "
                    + "configuration per endpoint; changes apply live.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "The sink's name in counters and the log (letters, digits, "
                + "dot, dash, underscore).")
        String name() default "webhook";

        @AttributeDefinition(name = "Enabled", description = "Switches this webhook on or off live.")
        boolean enabled() default true;

        @AttributeDefinition(name = "URL", description = "Where alerts are posted (http or https), e.g. "
                + "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..., https://oapi.dingtalk.com/robot/send?access_token=..., "
                + "https://hooks.slack.com/services/...", type = AttributeType.PASSWORD)
        String url();

        @AttributeDefinition(name = "Template", description = "The body's form.", options = {
            @Option(value = "generic", label = "Generic JSON (the alert's fields)"),
            @Option(value = "slack", label = "Slack incoming webhook"),
            @Option(value = "wecom", label = "WeCom group robot (markdown)"),
            @Option(value = "dingtalk", label = "DingTalk custom robot (markdown)")})
        String template() default "generic";

        @AttributeDefinition(name = "Signing secret", description = "DingTalk robots with signing: the secret; the "
                + "timestamp and signature are added to the URL. Empty for none.", type = AttributeType.PASSWORD,
                required = false)
        String secret() default "";

        @AttributeDefinition(name = "States", description = "Which events to post: RAISED, ONGOING, RESOLVED, "
                + "ACKNOWLEDGED (comma separated).")
        String[] states() default {"RAISED", "RESOLVED"};

        @AttributeDefinition(name = "Lowest severity", description = "INFO, WARNING or CRITICAL.")
        String minSeverity() default "WARNING";

        @AttributeDefinition(name = "Detectors", description = "Only these detectors' alerts (comma separated); empty "
                + "for all.", required = false)
        String[] detectors() default {};

        @AttributeDefinition(name = "Headers", description = "Extra request headers as Name: value, e.g. "
                + "Authorization: Bearer ...", required = false)
        String[] headers() default {};

        @AttributeDefinition(name = "Timeout", description = "Connect and response timeout of one post, e.g. 5s.")
        String timeout() default "5s";

        @AttributeDefinition(name = "Retries", description = "Further attempts after a failed post (0-20).")
        int retries() default 3;

        @AttributeDefinition(name = "Back-off", description = "Wait before the first retry; it doubles with each retry.")
        String backoff() default "1s";

        @AttributeDefinition(name = "Longest back-off", description = "The wait between retries never exceeds this.")
        String maxBackoff() default "30s";

        @AttributeDefinition(name = "Queue size", description = "Events waiting to be posted (1-100000); when full, "
                + "new events are dropped and counted.")
        int queueSize() default 1000;
    }

    /** One post waiting in the queue. */
    private record Delivery(String alertId, String body) {}

    private record Settings(String name, boolean enabled, URI url, Templates template, String secret, SinkFilter filter,
            List<String[]> headers, Duration timeout, int retries, long backoffMillis, long maxBackoffMillis,
            int queueSize) {}

    @Reference
    Metrics metrics;

    /** Told the outcome of each delivery ("sent" or "failed"); tests wait on it. */
    volatile java.util.function.Consumer<String> outcomes = o -> { };

    private volatile Settings settings;
    private volatile HttpClient client;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private Thread worker;
    private Counter sent;
    private Counter failed;
    private Counter attemptFailures;
    private Counter retried;
    private Counter droppedFull;
    private Counter droppedStopped;

    /** Whether {@code modified} would take these properties. */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> parse(Configs.of(Config.class, properties)));
    }

    static Settings parse(Config c) {
        String name = c.name() == null ? "" : c.name().trim();
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("name must be 1-64 letters, digits, dots, dashes or underscores: " + c.name());
        }
        URI url;
        try {
            url = URI.create(c.url() == null ? "" : c.url().trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("url is not a URL");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("url must be an http or https URL with a host");
        }
        List<String[]> headers = new ArrayList<>();
        for (String h : c.headers()) {
            if (h == null || h.isBlank()) {
                continue;
            }
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("headers are Name: value, got " + h);
            }
            headers.add(new String[] {h.substring(0, colon).trim(), h.substring(colon + 1).trim()});
        }
        long timeout = Units.millis(c.timeout(), "timeout");
        if (c.retries() < 0 || c.retries() > 20) {
            throw new IllegalArgumentException("retries must be 0..20: " + c.retries());
        }
        if (c.queueSize() < 1 || c.queueSize() > 100_000) {
            throw new IllegalArgumentException("queueSize must be 1..100000: " + c.queueSize());
        }
        long backoff = Units.millis(c.backoff(), "backoff");
        long maxBackoff = Units.millis(c.maxBackoff(), "maxBackoff");
        return new Settings(name, c.enabled(), url, Templates.of(c.template()), c.secret() == null ? "" : c.secret(),
                SinkFilter.parse(c.states(), c.minSeverity(), c.detectors()), headers, Duration.ofMillis(timeout),
                c.retries(), backoff, Math.max(backoff, maxBackoff), c.queueSize());
    }

    @Activate
    void activate(Config config) {
        Settings s;
        try {
            s = parse(config);
        } catch (IllegalArgumentException e) {
            // never log the URL: it usually holds the endpoint's token
            LOG.error("Webhook {} refused, it stays off until fixed: {}", config.name(), e.getMessage());
            return;
        }
        settings = s;
        String n = s.name();
        sent = metrics.counter("flowlens_webhook_sent_total", "Alert events a webhook delivered", "sink", n);
        failed = metrics.counter("flowlens_webhook_failed_total", "Alert events a webhook gave up on after its retries", "sink", n);
        attemptFailures = metrics.counter("flowlens_webhook_attempt_failures_total", "Posts that failed (each attempt)", "sink", n);
        retried = metrics.counter("flowlens_webhook_retries_total", "Posts made again after a failure", "sink", n);
        droppedFull = metrics.counter("flowlens_webhook_dropped_total", "Alert events a webhook dropped, by reason", "sink", n, "reason", "queue_full");
        droppedStopped = metrics.counter("flowlens_webhook_dropped_total", "Alert events a webhook dropped, by reason", "sink", n, "reason", "stopped");
        metrics.gauge("flowlens_webhook_queue_length", "Alert events waiting to be posted", this::queueLength, "sink", n);
        client = client(s.timeout());
        running = true;
        worker = new Thread(this::run, "flowlens-webhook-" + n);
        worker.setDaemon(true);
        worker.start();
        LOG.info("Webhook {} started: {} template, {} retries", n, s.template().name().toLowerCase(Locale.ROOT), s.retries());
    }

    @Modified
    void modified(Config config) {
        Settings s;
        try {
            s = parse(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Webhook {} configuration refused, keeping the last good one: {}", config.name(), e.getMessage());
            return;
        }
        Settings prev = settings;
        if (prev == null || !prev.name().equals(s.name())) {
            LOG.error("Webhook {}: the name cannot change live (got {}); create a new webhook instead",
                    prev == null ? config.name() : prev.name(), s.name());
            return;
        }
        if (!prev.timeout().equals(s.timeout())) {
            client = client(s.timeout());
        }
        settings = s;
        LOG.info("Webhook {} reconfigured live", s.name());
    }

    @Deactivate
    void deactivate() {
        if (worker == null) {
            return;
        }
        running = false;
        stopped.countDown();
        synchronized (queue) {
            queue.notifyAll();
        }
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (queue) {
            droppedStopped.add(queue.size());
            queue.clear();
        }
        metrics.remove("flowlens_webhook_queue_length", "sink", settings.name());
    }

    private static HttpClient client(Duration timeout) {
        return HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public void handleEvent(Event event) {
        Settings s = settings;
        if (s == null || !s.enabled() || !running) {
            return;
        }
        Alert a = AlertEvents.alert(event);
        if (a == null || !s.filter().accepts(event.getTopic(), a)) {
            return;
        }
        Delivery d = new Delivery(a.id(), s.template().body(a, AlertEvents.acknowledgement(event, a)));
        synchronized (queue) {
            if (queue.size() >= s.queueSize()) {
                droppedFull.increment();
                return;
            }
            queue.addLast(d);
            queue.notifyAll();
        }
    }

    private int queueLength() {
        synchronized (queue) {
            return queue.size();
        }
    }

    private void run() {
        while (running) {
            Delivery d;
            synchronized (queue) {
                while (running && queue.isEmpty()) {
                    try {
                        queue.wait();
                    } catch (InterruptedException e) {
                        if (!running) {
                            return;
                        }
                    }
                }
                if (!running) {
                    return;
                }
                d = queue.pollFirst();
            }
            deliver(d);
        }
    }

    private void deliver(Delivery d) {
        for (int attempt = 0; running; attempt++) {
            Settings s = settings;
            String problem = post(s, d);
            if (problem == null) {
                sent.increment();
                outcomes.accept("sent");
                return;
            }
            attemptFailures.increment();
            boolean permanent = problem.startsWith("HTTP 4") && !problem.startsWith("HTTP 408") && !problem.startsWith("HTTP 429");
            if (permanent || attempt >= s.retries()) {
                failed.increment();
                LOG.warn("Webhook {} gave up on alert {} after {} attempt(s): {}", s.name(), d.alertId(), attempt + 1, problem);
                outcomes.accept("failed");
                return;
            }
            long wait = Math.min(s.maxBackoffMillis(), s.backoffMillis() << Math.min(attempt, 20));
            LOG.debug("Webhook {} attempt {} for alert {} failed ({}), retrying in {} ms", s.name(), attempt + 1,
                    d.alertId(), problem, wait);
            try {
                if (stopped.await(wait, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            retried.increment();
        }
    }

    /** Posts once; null when delivered, else what went wrong (never the URL, which holds secrets). */
    private String post(Settings s, Delivery d) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(target(s)).timeout(s.timeout())
                    .header("Content-Type", "application/json; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(d.body(), StandardCharsets.UTF_8));
            for (String[] h : s.headers()) {
                b.header(h[0], h[1]);
            }
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            int code = r.statusCode();
            if (code < 200 || code >= 300) {
                return "HTTP " + code;
            }
            if (s.template() == Templates.WECOM || s.template() == Templates.DINGTALK) {
                // these robots answer 200 with an error code in the body
                String err = errcode(r.body());
                if (err != null) {
                    return "robot error " + err;
                }
            }
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (GeneralSecurityException e) {
            return "signing failed: " + e.getMessage();
        }
    }

    /** The error code of a WeCom or DingTalk answer, or null when it is 0 or the body holds none. */
    static String errcode(String body) {
        try {
            JsonElement e = JsonParser.parseString(body);
            if (e.isJsonObject() && e.getAsJsonObject().has("errcode")) {
                String code = e.getAsJsonObject().get("errcode").getAsString();
                return code.equals("0") ? null : code;
            }
        } catch (RuntimeException ex) {
            // not JSON: the HTTP status said success
        }
        return null;
    }

    private static URI target(Settings s) throws GeneralSecurityException {
        if (s.template() != Templates.DINGTALK || s.secret().isEmpty()) {
            return s.url();
        }
        long ts = System.currentTimeMillis();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(s.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] sig = mac.doFinal((ts + "\n" + s.secret()).getBytes(StandardCharsets.UTF_8));
        String sign = URLEncoder.encode(Base64.getEncoder().encodeToString(sig), StandardCharsets.UTF_8);
        String u = s.url().toString();
        return URI.create(u + (u.indexOf('?') >= 0 ? "&" : "?") + "timestamp=" + ts + "&sign=" + sign);
    }
}
