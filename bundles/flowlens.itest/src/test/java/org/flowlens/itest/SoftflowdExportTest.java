package org.flowlens.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * softflowd reads a packet capture and exports its flows as NetFlow v5, v9 or IPFIX to a Flowlens
 * listener on loopback; the same export (softflowd {@code -a} follows the capture's clock, so its
 * output is reproducible) goes to nfdump's nfcapd. Flowlens must report exactly the flows, packets
 * and bytes, in total and per IP protocol, that nfdump reads back from nfcapd's files, and as many
 * records as softflowd says it exported, with every datagram accounted for.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SoftflowdExportTest {
    private static final String MIXED = "in-tcpreplay-test.pcap";
    private static final String IPV6 = "in-ndpi-http_ipv6.pcap";
    private static final Pattern EXPORTED = Pattern.compile("Flows exported: \\d+ \\((\\d+) records\\)");

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
        Tools.assumeInstalled("SoftflowdExportTest", "softflowd nfdump", "softflowd", "nfcapd", "nfdump");
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
    public void netflowV5() throws Exception {
        export(MIXED, 5, "netflow_v5"); // v5 carries IPv4 only: nothing to export from the IPv6 capture
    }

    @Test
    public void netflowV9() throws Exception {
        export(MIXED, 9, "netflow_v9");
        export(IPV6, 9, "netflow_v9");
    }

    @Test
    public void ipfix() throws Exception {
        export(MIXED, 10, "ipfix");
        export(IPV6, 10, "ipfix");
    }

    private void export(String capture, int version, String format) throws Exception {
        String name = "softflowd-v" + version + "-" + capture.replace(".pcap", "").replace("in-", "");
        Path dir = Assembly.work().resolve("exporters").resolve(name);
        Tools.resource("/captures/" + capture, dir, "in.pcap");

        int port = collector.listen(name);
        long exported = softflowd(dir, port, version, "flowlens");
        Traffic flowlens = collector.drain(name, port, format);
        collector.assertAccounted(name);

        Traffic nfdump;
        try (Nfcapd nfcapd = Nfcapd.start(dir)) {
            assertEquals("softflowd exports the same records every run", exported, softflowd(dir, nfcapd.port(), version, "nfcapd"));
            nfdump = nfcapd.stopAndRead();
        }
        assertTrue(name + ": nfdump read flows", nfdump.flows() > 0);
        assertEquals(name + ": records softflowd exported vs Flowlens", exported, flowlens.flows());
        Traffic.assertSame(name, "nfdump", nfdump, flowlens);
    }

    /**
     * Runs softflowd on dir/in.pcap to 127.0.0.1:port; returns the records it says it exported.
     *
     * <p>softflowd 1.1.0 reading a capture file (-r) may block in accept() on its control socket
     * before reading any packet, depending on its arguments' lengths (it tests poll results it never
     * polled for). A connection to the control socket releases it without changing what it
     * exports, so while it runs the control socket is knocked on every 50 ms.
     */
    private static long softflowd(Path dir, int port, int version, String tag) throws Exception {
        Path log = dir.resolve("softflowd-" + tag + ".log");
        Path control = dir.resolve("s.ctl");
        Files.deleteIfExists(control);
        Process p = Tools.start(dir, log, "softflowd", "-a", "-r", "in.pcap", "-n", "127.0.0.1:" + port, "-v", Integer.toString(version), "-d",
                "-p", "s.pid", "-c", "s.ctl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("softflowd did not end within 60 s: " + Tools.tail(log));
            }
            if (Files.exists(control)) {
                try (SocketChannel knock = SocketChannel.open(UnixDomainSocketAddress.of(control))) {
                    // connected: softflowd reads an empty command and goes on
                } catch (IOException e) {
                    // not listening yet, or already gone
                }
            }
        }
        assertEquals("softflowd exit status: " + Tools.tail(log), 0, p.exitValue());
        Matcher m = EXPORTED.matcher(Tools.read(log));
        assertTrue("softflowd's end-of-run statistics: " + Tools.tail(log), m.find());
        return Long.parseLong(m.group(1));
    }
}
