package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/** The collector assembly (runtime/collector.bndrun) boots: decoders and /metrics, no console. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CollectorAssemblyTest {
    @Inject
    BundleContext context;
    @Inject
    ServiceComponentRuntime scr;

    @Configuration
    public Option[] config() {
        return Assembly.of(System.getProperty("flowlens.runtimeDir", "../../runtime") + "/collector.bndrun");
    }

    @Test
    public void bootsWithDecodersAndMetricsAndNoConsole() throws Exception {
        Await.until("all Flowlens components active", 30_000, () -> Assembly.inactiveComponents(scr).isEmpty(), () -> Assembly.inactiveComponents(scr).toString());
        for (String bsn : new String[] {"flowlens.decoder.netflow", "flowlens.decoder.ipfix", "flowlens.decoder.sflow", "flowlens.collector.udp",
                "flowlens.sink.prometheus"}) {
            assertTrue(bsn + " is part of the collector", installed(bsn));
        }
        assertTrue("no console in the collector", !installed("flowlens.web") && !installed("org.apache.felix.webconsole"));
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

    private boolean installed(String bsn) {
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return true;
            }
        }
        return false;
    }
}
