package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** The collector assembly (runtime/collector.bndrun) boots: decoders and /metrics, no console. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CollectorAssemblyTest extends AssemblyBoot {
    @Override
    String bndrun() {
        return "collector.bndrun";
    }

    @Test
    public void bootsWithDecodersAndMetricsAndNoConsole() throws Exception {
        assertBootsWith(new String[] {"flowlens.decoder.netflow", "flowlens.decoder.ipfix", "flowlens.decoder.sflow", "flowlens.collector.udp",
            "flowlens.sink.prometheus"}, new String[] {"flowlens.web", "org.apache.felix.webconsole"});
        HttpClient http = HttpClient.newHttpClient();
        URI metrics = URI.create("http://127.0.0.1:" + Assembly.HTTP_PORT + "/metrics");
        Await.until("/metrics", 30_000, () -> {
            try {
                return http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        });
        String body = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(String.join("\n", body.lines().filter(l -> l.startsWith("# TYPE")).toList()), body.contains("flow_worker_queue_length"));
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + Assembly.HTTP_PORT + "/system/console")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }
}
