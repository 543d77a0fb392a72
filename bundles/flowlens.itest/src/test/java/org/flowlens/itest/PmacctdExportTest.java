package org.flowlens.itest;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.flowlens.api.metrics.Metrics;
import org.junit.After;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * pmacctd reads a packet capture and, in one run, exports it through pairs of identical probe
 * plugins: nfprobe as NetFlow v5, v9 and IPFIX, one of each pair to a Flowlens listener and the
 * other to its own nfcapd, and sfprobe as sFlow v5 to Flowlens and to pmacct's sfacctd (nfdump has
 * no sFlow collector). Flowlens must report exactly what the reference collectors report, in total
 * and per IP protocol, with every datagram accounted for.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PmacctdExportTest {
    @Inject
    BundleContext context;
    @Inject
    Metrics metrics;

    private Collector collector;

    @Configuration
    public Option[] config() {
        return Assembly.defaultRuntime();
    }

    @BeforeClass
    public static void toolsInstalled() {
        Tools.assumeInstalled("PmacctdExportTest", "pmacct nfdump", "pmacctd", "sfacctd", "nfcapd", "nfdump");
    }

    @Before
    public void setUp() {
        collector = new Collector(context, metrics);
    }

    @After
    public void tearDown() {
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    public void ipv4AndOddFramesInEveryFormat() throws Exception {
        export("in-tcpreplay-test.pcap", 5, 9, 10);
    }

    @Test
    public void ipv6InEveryFormatButV5() throws Exception {
        export("in-ndpi-http_ipv6.pcap", 9, 10); // NetFlow v5 cannot carry IPv6
    }

    /** One pmacctd run: an nfprobe pair per NetFlow version and an sfprobe pair. */
    private void export(String capture, int... versions) throws Exception {
        String stem = capture.replace(".pcap", "").replace("in-", "");
        Path dir = Assembly.work().resolve("exporters").resolve("pmacctd-" + stem);
        Tools.resource("/captures/" + capture, dir, "in.pcap");

        Map<String, Integer> listeners = new LinkedHashMap<>();
        Map<String, Nfcapd> nfcapds = new LinkedHashMap<>();
        Sfacctd sfacctd = null;
        List<String> conf = new ArrayList<>(List.of("daemonize: false", "pcap_savefile: in.pcap", "plugin_pipe_size: 16777216"));
        List<String> plugins = new ArrayList<>();
        try {
            for (int v : versions) {
                String listener = "pmacctd-v" + v + "-" + stem;
                listeners.put(listener, collector.listen(listener));
                Nfcapd n = Nfcapd.start(dir.resolve("v" + v));
                nfcapds.put(listener, n);
                plugins.add("nfprobe[fl" + v + "]");
                plugins.add("nfprobe[nf" + v + "]");
                conf.add("nfprobe_receiver[fl" + v + "]: 127.0.0.1:" + listeners.get(listener));
                conf.add("nfprobe_version[fl" + v + "]: " + v);
                conf.add("nfprobe_receiver[nf" + v + "]: 127.0.0.1:" + n.port());
                conf.add("nfprobe_version[nf" + v + "]: " + v);
            }
            String sflow = "pmacctd-sflow-" + stem;
            listeners.put(sflow, collector.listen(sflow));
            sfacctd = Sfacctd.start(dir);
            plugins.add("sfprobe[fl]");
            plugins.add("sfprobe[sa]");
            conf.add("sfprobe_receiver[fl]: 127.0.0.1:" + listeners.get(sflow));
            conf.add("sfprobe_agentip[fl]: 127.0.0.1");
            conf.add("sfprobe_receiver[sa]: 127.0.0.1:" + sfacctd.port());
            conf.add("sfprobe_agentip[sa]: 127.0.0.1");
            conf.add(2, "plugins: " + String.join(", ", plugins));
            Files.write(dir.resolve("pmacctd.conf"), conf);

            // pmacctd exits at the end of the capture, after its probe plugins flushed every flow
            Tools.run(dir, dir.resolve("pmacctd.log"), 120, "pmacctd", "-f", "pmacctd.conf");

            for (int v : versions) {
                String listener = "pmacctd-v" + v + "-" + stem;
                Traffic flowlens = collector.drain(listener, listeners.get(listener), v == 5 ? "netflow_v5" : v == 9 ? "netflow_v9" : "ipfix");
                collector.assertAccounted(listener);
                Traffic nfdump = nfcapds.get(listener).stopAndRead();
                assertTrue(listener + ": nfdump read flows", nfdump.flows() > 0);
                Traffic.assertSame(listener, "nfdump", nfdump, flowlens);
            }
            Traffic flowlens = collector.drain(sflow, listeners.get(sflow), "sflow_v5");
            collector.assertAccounted(sflow);
            Traffic pmacct = sfacctd.stopAndRead();
            assertTrue(sflow + ": sfacctd read samples", pmacct.packets() > 0);
            Traffic.assertSame(sflow, "sfacctd", pmacct, flowlens);
        } finally {
            nfcapds.values().forEach(Nfcapd::close);
            if (sfacctd != null) {
                sfacctd.close();
            }
        }
    }
}
