package org.flowlens.capture.pcap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.config.Configs;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.api.query.Totals;
import org.flowlens.capture.pcap.CaptureTools;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.flowlens.pcap.LinkTypes;
import org.flowlens.pcap.PcapWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Declarative Services components driven as SCR would: configuration in, batches to the pipeline. */
class ComponentsTest {

    @TempDir
    Path dir;

    /** A pipeline that keeps what it is given and counts records down a latch. */
    static final class Pipeline implements FlowPipeline {
        final List<FlowRecord> records = Collections.synchronizedList(new ArrayList<>());
        final List<String> sources = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch latch;

        Pipeline(int expectedRecords) {
            latch = new CountDownLatch(expectedRecords);
        }

        @Override
        public boolean submit(FlowBatch batch, String source) {
            sources.add(source);
            for (FlowRecord r : batch) {
                records.add(r);
                latch.countDown();
            }
            return true;
        }

        @Override
        public int decode(ByteBuffer datagram, InetSocketAddress exporter, long receivedMillis, String listener) {
            return 0;
        }

        @Override
        public Totals delivered() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void fileImportFeedsThePipelineAndReportsProgress() throws Exception {
        Path f = dir.resolve("two.pcap");
        ByteBuffer b = ByteBuffer.allocate(42);
        b.putShort(12, (short) 0x0800).put(14, (byte) 0x45).putShort(16, (short) 28).put(23, (byte) 17)
                .putInt(26, 0x0A000001).putInt(30, 0x0A000002).putShort(34, (short) 5000).putShort(36, (short) 53);
        try (PcapWriter w = PcapWriter.create(f, LinkTypes.ETHERNET, 65535, false)) {
            w.write(1_000_000_000L, b.array(), 0, 42);
            w.write(2_000_000_000L, b.array(), 0, 42);
        }
        Pipeline pipeline = new Pipeline(1);
        FileImportComponent c = new FileImportComponent();
        c.pipeline = pipeline;
        c.activate(Configs.of(FileImportComponent.Config.class, Map.of("file", f.toString())));
        assertTrue(pipeline.latch.await(30, TimeUnit.SECONDS), "the record reached the pipeline");
        c.stop(); // waits for the import thread
        assertEquals(CaptureSource.State.STOPPED, c.state());
        Map<String, Object> status = c.status();
        assertEquals(2L, status.get("packets"));
        assertEquals(100.0, status.get("percent"));
        assertEquals(true, status.get("done"));
        assertEquals("pcap-file:two.pcap", c.name());
        assertEquals(List.of("pcap-file:two.pcap"), pipeline.sources);
        assertEquals(2, pipeline.records.get(0).packets());
        c.deactivate();
    }

    @Test
    void aBadFileImportConfigurationFails() {
        FileImportComponent c = new FileImportComponent();
        c.pipeline = new Pipeline(0);
        c.activate(Configs.of(FileImportComponent.Config.class, Map.of("file", "/x.pcap", "speed", "WARP")));
        assertEquals(CaptureSource.State.FAILED, c.state());
        assertTrue(String.valueOf(c.status().get("error")).contains("WARP"));
        FileImportComponent missing = new FileImportComponent();
        missing.pipeline = new Pipeline(0);
        missing.activate(Configs.of(FileImportComponent.Config.class, Map.of("file", dir.resolve("none.pcap").toString())));
        missing.stop();
        assertEquals(CaptureSource.State.FAILED, missing.state());
        assertTrue(String.valueOf(missing.status().get("error")).contains("none.pcap"));
    }

    @Test
    void theLiveCaptureCheckTellsWhatAChangeWouldRefuse() {
        LiveCaptureComponent c = new LiveCaptureComponent();
        assertEquals(null, c.problem(LiveCaptureComponent.PID, Map.of("interfaceName", "lo")));
        String refused = c.problem(LiveCaptureComponent.PID, Map.of("interfaceName", "lo", "domainTableSize", 0));
        assertTrue(refused != null && refused.contains("domainTableSize"), refused);
        FileImportComponent f = new FileImportComponent();
        assertEquals(null, f.problem(FileImportComponent.PID, Map.of("file", "x.pcap")));
        assertTrue(f.problem(FileImportComponent.PID, Map.of("file", "x.pcap", "speed", "WARP")) != null);
    }

    @Test
    void liveCaptureComponentCapturesAndAppliesNewSettingsLive() throws Exception {
        Assumptions.assumeTrue(CaptureTools.checkDependencies().ok(), CaptureTools.checkDependencies().message());
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            int port = server.getLocalPort();
            Pipeline pipeline = new Pipeline(1);
            LiveCaptureComponent c = new LiveCaptureComponent();
            c.pipeline = pipeline;
            Map<String, Object> values = new java.util.HashMap<>(Map.of("interfaceName", "lo", "bpfFilter",
                    "udp port " + port, "snaplen", 512, "bufferSizeBytes", 16 << 20, "readTimeoutMillis", 50));
            c.activate(Configs.of(LiveCaptureComponent.Config.class, values));
            assertEquals(CaptureSource.State.RUNNING, c.state(), String.valueOf(c.status()));
            assertEquals("pcap:lo", c.name());
            // a filter change is applied without reopening the interface
            values.put("ignorePorts", new String[] {"9"});
            c.modified(Configs.of(LiveCaptureComponent.Config.class, values));
            assertEquals(CaptureSource.State.RUNNING, c.state());
            DatagramPacket in = new DatagramPacket(new byte[64], 64);
            for (int i = 0; i < 3; i++) {
                client.send(new DatagramPacket(new byte[20], 20, InetAddress.getLoopbackAddress(), port));
                server.receive(in);
            }
            // an invalid configuration is refused and the capture keeps running
            values.put("snaplen", 1);
            c.modified(Configs.of(LiveCaptureComponent.Config.class, values));
            assertEquals(CaptureSource.State.RUNNING, c.state());
            c.stop();
            assertEquals(CaptureSource.State.STOPPED, c.state());
            assertTrue(pipeline.latch.await(30, TimeUnit.SECONDS));
            FlowRecord r = pipeline.records.get(0);
            assertEquals(3, r.packets());
            assertEquals(port, r.dstPort());
            assertEquals(List.of("pcap:lo"), pipeline.sources);
            c.start();
            assertEquals(CaptureSource.State.RUNNING, c.state());
            c.deactivate();
            assertEquals(CaptureSource.State.STOPPED, c.state());
        }
    }

    @Test
    void aMissingInterfaceFailsWithItsName() {
        Assumptions.assumeTrue(CaptureTools.checkDependencies().libpcap(), CaptureTools.checkDependencies().message());
        LiveCaptureComponent c = new LiveCaptureComponent();
        c.pipeline = new Pipeline(0);
        c.activate(Configs.of(LiveCaptureComponent.Config.class, Map.of("interfaceName", "nope0")));
        assertEquals(CaptureSource.State.FAILED, c.state());
        assertTrue(String.valueOf(c.status().get("error")).contains("nope0"));
        c.deactivate();
    }

    @Test
    void liveCaptureReportsOpenSessionsByDefaultAndFileImportsWhenTheyEnd() {
        LiveCaptureComponent.Config live = Configs.of(LiveCaptureComponent.Config.class, Map.of());
        MeterSettings s = MeterConfig.settings(live.maxSessions(), live.tcpIdleSeconds(), live.udpIdleSeconds(),
                live.icmpIdleSeconds(), live.otherIdleSeconds(), live.tcpFinSeconds(), live.tcpRstSeconds(),
                live.activeSeconds(), live.updateMillis(), live.sniffNames(), live.decapsulateTunnels(),
                live.ignoreLocalhost(), live.ignorePorts(), live.ignoreNetworks(), live.onlyDomains(), live.protocols());
        assertEquals(new MeterSettings().updateMillis(), s.updateMillis(), "live capture uses the meter's default");
        assertTrue(s.updateMillis() > 0 && s.updateMillis() <= 1000, "detectors see sessions within a second");
        FileImportComponent.Config file = Configs.of(FileImportComponent.Config.class, Map.of("file", "x.pcap"));
        assertEquals(0, file.updateMillis(), "a file's sessions are reported once, when they end");
        assertThrows(IllegalArgumentException.class, () -> MeterConfig.settings(live.maxSessions(),
                live.tcpIdleSeconds(), live.udpIdleSeconds(), live.icmpIdleSeconds(), live.otherIdleSeconds(),
                live.tcpFinSeconds(), live.tcpRstSeconds(), live.activeSeconds(), -1, live.sniffNames(),
                live.decapsulateTunnels(), live.ignoreLocalhost(), live.ignorePorts(), live.ignoreNetworks(),
                live.onlyDomains(), live.protocols()));
    }
}
