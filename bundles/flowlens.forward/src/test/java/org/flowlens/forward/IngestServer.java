package org.flowlens.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.json.FlowJsonReader;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** A tiny server on 127.0.0.1 that takes POST /ingest like Flowlens does and records what arrives. */
final class IngestServer implements AutoCloseable {
    final List<FlowRecord> records = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final List<String> agents = new CopyOnWriteArrayList<>();
    final List<String> healthReports = new CopyOnWriteArrayList<>();
    final List<Integer> requestSizes = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> waiters = new CopyOnWriteArrayList<>();
    private final List<long[]> thresholds = new ArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    /** Status to answer for the n-th ingest request (0-based); 200 takes the records. */
    volatile IntUnaryOperator status = n -> 200;
    private int requests;

    IngestServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        server.setExecutor(executor);
        server.createContext("/ingest", this::ingest);
        server.createContext("/api/agents/health", ex -> {
            healthReports.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            agents.add(ex.getRequestHeaders().getFirst("X-Flowlens-Agent"));
            authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
            answer(ex, 204, "");
            signal();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port() + "/ingest";
    }

    private void ingest(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        int n;
        synchronized (this) {
            n = requests++;
        }
        authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
        agents.add(ex.getRequestHeaders().getFirst("X-Flowlens-Agent"));
        int code = status.applyAsInt(n);
        if (code != 200 && code != 400) {
            answer(ex, code, "{\"error\":\"not now\"}");
            return;
        }
        FlowBatch batch = new FlowBatch();
        List<Integer> bad = new ArrayList<>();
        try {
            new FlowJsonReader().readAll(body, 0, body.length, batch, System.currentTimeMillis(), (i, e) -> bad.add(i));
        } catch (FlowJsonReader.FieldException e) {
            answer(ex, 400, "{\"error\":\"malformed\"}");
            return;
        }
        requestSizes.add(batch.size() + bad.size());
        int take = code == 400 ? batch.size() / 2 : batch.size();
        for (int i = 0; i < take; i++) {
            records.add(batch.get(i));
        }
        answer(ex, code, "{\"accepted\":" + take + ",\"rejected\":" + (batch.size() + bad.size() - take) + "}");
        signal();
    }

    /** A latch opened once at least {@code n} records (or health reports, with {@code health}) have arrived. */
    CountDownLatch whenRecords(long n) {
        return when(n, false);
    }

    CountDownLatch whenHealthReports(long n) {
        return when(n, true);
    }

    private synchronized CountDownLatch when(long n, boolean health) {
        CountDownLatch latch = new CountDownLatch(1);
        waiters.add(latch);
        thresholds.add(new long[] {n, health ? 1 : 0});
        signal();
        return latch;
    }

    private synchronized void signal() {
        for (int i = 0; i < waiters.size(); i++) {
            long[] t = thresholds.get(i);
            long have = t[1] == 1 ? healthReports.size() : records.size();
            if (have >= t[0]) {
                waiters.get(i).countDown();
            }
        }
    }

    private static void answer(HttpExchange ex, int code, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (code == 429) {
            ex.getResponseHeaders().set("Retry-After", "0");
        }
        ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
