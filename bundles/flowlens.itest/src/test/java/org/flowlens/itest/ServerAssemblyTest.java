package org.flowlens.itest;

import static org.junit.Assert.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** The server assembly (runtime/server.bndrun) boots: ingest, console, aggregates, detection, sinks; no capture. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ServerAssemblyTest extends AssemblyBoot {
    @Override
    String bndrun() {
        return "server.bndrun";
    }

    @Test
    public void bootsWithIngestConsoleAndSinks() throws Exception {
        assertBootsWith(new String[] {"flowlens.web", "flowlens.aggregate", "flowlens.detect", "flowlens.sink.prometheus", "flowlens.sink.kafka",
            "flowlens.enrich.geoip"}, new String[] {"flowlens.capture.pcap", "flowlens.collector.udp"});
        HttpClient http = HttpClient.newHttpClient();
        URI healthz = URI.create("http://127.0.0.1:" + Assembly.HTTP_PORT + "/healthz");
        Await.until("/healthz 200", 30_000, () -> {
            try {
                return http.send(HttpRequest.newBuilder(healthz).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(200, http.send(HttpRequest.newBuilder(healthz).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
