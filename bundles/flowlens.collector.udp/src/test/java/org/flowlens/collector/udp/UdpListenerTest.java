package org.flowlens.collector.udp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.config.Configs;
import org.flowlens.api.metrics.Sample;
import org.flowlens.pipeline.MetricsRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Listeners on loopback addresses with ephemeral ports, fed by real datagrams. */
class UdpListenerTest {
    static final InetAddress V4 = InetAddress.getLoopbackAddress();

    private final CountingPipeline pipeline = new CountingPipeline();
    private final MetricsRegistry metrics = new MetricsRegistry();
    private final List<UdpListener> listeners = new ArrayList<>();
    private final List<DatagramSocket> sockets = new ArrayList<>();

    @AfterEach
    void close() {
        listeners.forEach(UdpListener::deactivate);
        sockets.forEach(DatagramSocket::close);
    }

    static UdpListener.Config config(Map<String, Object> overrides) {
        Map<String, Object> v = new HashMap<>(Map.of("bindAddress", "127.0.0.1", "port", 0, "receiveBufferBytes", 1 << 20));
        v.putAll(overrides);
        return Configs.of(UdpListener.Config.class, v);
    }

    private UdpListener listener(Map<String, Object> overrides) {
        UdpListener l = new UdpListener(pipeline, metrics, config(overrides));
        listeners.add(l);
        return l;
    }

    private DatagramSocket sender(InetAddress from) throws SocketException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0));
        sockets.add(s);
        return s;
    }

    private static void send(DatagramSocket from, InetSocketAddress to, byte[] payload) throws IOException {
        from.send(new DatagramPacket(payload, payload.length, to));
    }

    private static InetSocketAddress target(UdpListener l) {
        InetSocketAddress local = l.localAddress();
        assertNotNull(local, "the listener is not bound: " + l.status());
        return local;
    }

    /** A port free right now on 127.0.0.1 (taken by a socket that is closed again at once). */
    private static int freePort() throws SocketException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(V4, 0))) {
            return s.getLocalPort();
        }
    }

    private static boolean bindable(InetSocketAddress address) {
        try (DatagramSocket s = new DatagramSocket(address)) {
            return true;
        } catch (SocketException e) {
            return false;
        }
    }

    private Double metric(String name, String listener) {
        for (Sample s : metrics.snapshot()) {
            if (s.name().equals(name) && listener.equals(s.label("listener"))) {
                return s.value();
            }
        }
        return null;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ receiving

    @Test
    void receivesOnIpv4LoopbackAndHandsEachDatagramToThePipeline() throws Exception {
        UdpListener l = listener(Map.of());
        assertEquals(CaptureSource.State.RUNNING, l.state());
        InetSocketAddress to = target(l);
        assertEquals("udp:127.0.0.1:" + to.getPort(), l.name());
        DatagramSocket s = sender(V4);
        long before = System.currentTimeMillis();
        for (int i = 0; i < 3; i++) {
            send(s, to, bytes("datagram " + i));
        }
        for (int i = 0; i < 3; i++) {
            CountingPipeline.Received r = pipeline.next();
            assertArrayEquals(bytes("datagram " + i), r.payload());
            assertEquals(new InetSocketAddress(V4, s.getLocalPort()), r.exporter());
            assertEquals(l.name(), r.listener());
            assertTrue(r.direct(), "received into the listener's direct buffer");
            assertTrue(r.receivedMillis() >= before && r.receivedMillis() <= System.currentTimeMillis());
        }
        assertEquals(3.0, metric("flowlens_udp_received_datagrams_total", l.name()));
        assertEquals(30.0, metric("flowlens_udp_received_bytes_total", l.name()));
        assertEquals(1.0, metric("flowlens_udp_listener_up", l.name()));
        Map<String, Object> status = l.status();
        assertEquals("RUNNING", status.get("state"));
        assertEquals(3L, status.get("datagrams"));
        assertTrue((Integer) status.get("receiveBufferGranted") > 0, status.toString());
    }

    @Test
    void aBurstIsReadWithoutBlockingAndAnIdleReceiverBlocksUntilTheNextDatagram() throws Exception {
        UdpListener l = listener(Map.of("receiveBufferBytes", 4 << 20));
        InetSocketAddress to = target(l);
        DatagramSocket s = sender(V4);
        for (int i = 0; i < 1000; i++) {
            send(s, to, bytes("burst " + i));
        }
        for (int i = 0; i < 1000; i++) {
            assertArrayEquals(bytes("burst " + i), pipeline.next().payload(), "datagram " + i + " in order");
        }
        // with the socket empty the receiver polls a few times, then goes back to blocking reads
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (l.idleSwitches() == 0 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertTrue(l.idleSwitches() > 0, "the idle receiver went back to blocking reads");
        send(s, to, bytes("after the pause"));
        assertArrayEquals(bytes("after the pause"), pipeline.next().payload());
        assertEquals(1001.0, metric("flowlens_udp_received_datagrams_total", l.name()));
    }

    @Test
    void withoutCoalescingEveryReadBlocks() throws Exception {
        UdpListener l = listener(Map.of("coalesceMicros", 0));
        InetSocketAddress to = target(l);
        DatagramSocket s = sender(V4);
        for (int i = 0; i < 100; i++) {
            send(s, to, bytes("one " + i));
        }
        for (int i = 0; i < 100; i++) {
            assertArrayEquals(bytes("one " + i), pipeline.next().payload());
        }
        assertEquals(0, l.idleSwitches(), "never left blocking mode");
    }

    @Test
    void receivesOnIpv6Loopback() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        Assumptions.assumeTrue(bindable(new InetSocketAddress(v6, 0)), "no IPv6 loopback on this host");
        UdpListener l = listener(Map.of("bindAddress", "::1"));
        InetSocketAddress to = target(l);
        assertEquals("udp:[::1]:" + to.getPort(), l.name());
        DatagramSocket s = sender(v6);
        send(s, to, bytes("over IPv6"));
        CountingPipeline.Received r = pipeline.next();
        assertArrayEquals(bytes("over IPv6"), r.payload());
        assertEquals(v6, r.exporter().getAddress());
        assertEquals(s.getLocalPort(), r.exporter().getPort());
    }

    @Test
    void itsCheckTellsWhatALiveChangeWouldRefuse() {
        UdpListener l = listener(Map.of());
        assertEquals(null, l.problem(UdpListener.PID, Map.of("port", 2056, "bindAddress", "::")));
        String refused = l.problem(UdpListener.PID, Map.of("port", 70000));
        assertTrue(refused != null && refused.contains("70000"), refused);
        assertTrue(l.problem(UdpListener.PID, Map.of("bindAddress", "collector.example")) != null, "host names are refused");
    }

    @Test
    void severalReceiverThreadsShareThePort() throws Exception {
        UdpListener l = listener(Map.of("receiverThreads", 3));
        assertEquals(CaptureSource.State.RUNNING, l.state(), String.valueOf(l.status().get("lastError")));
        InetSocketAddress to = target(l);
        Set<Integer> sources = new HashSet<>();
        for (int i = 0; i < 24; i++) {
            DatagramSocket s = sender(V4);
            sources.add(s.getLocalPort());
            send(s, to, bytes("from " + s.getLocalPort()));
        }
        Set<Integer> seen = new HashSet<>();
        Set<String> threads = new HashSet<>();
        for (int i = 0; i < 24; i++) {
            CountingPipeline.Received r = pipeline.next();
            assertArrayEquals(bytes("from " + r.exporter().getPort()), r.payload());
            seen.add(r.exporter().getPort());
        }
        assertEquals(sources, seen);
        assertEquals(3, l.status().get("receiverThreads"));
        assertFalse(bindable(to), "the port is held");
    }

    @Test
    void anInterfaceNameBindsToThatInterfacesAddress() throws Exception {
        java.net.NetworkInterface lo = java.net.NetworkInterface.getByInetAddress(V4);
        Assumptions.assumeTrue(lo != null, "no loopback interface found");
        UdpListener l = listener(Map.of("bindAddress", "0.0.0.0", "networkInterface", lo.getName()));
        assertEquals(CaptureSource.State.RUNNING, l.state(), String.valueOf(l.status().get("lastError")));
        InetSocketAddress to = target(l);
        assertTrue(to.getAddress().isLoopbackAddress(), to.toString());
        send(sender(V4), to, bytes("lo"));
        assertArrayEquals(bytes("lo"), pipeline.next().payload());

        UdpListener missing = listener(Map.of("networkInterface", "no-such-if0"));
        assertEquals(CaptureSource.State.FAILED, missing.state());
        assertTrue(String.valueOf(missing.status().get("lastError")).contains("no-such-if0"));
    }

    @Test
    void oversizeDatagramsAreCountedAndDropped() throws Exception {
        UdpListener l = listener(Map.of("maxDatagramBytes", 512));
        InetSocketAddress to = target(l);
        DatagramSocket s = sender(V4);
        send(s, to, new byte[513]);
        send(s, to, new byte[512]);
        CountingPipeline.Received r = pipeline.next();
        assertEquals(512, r.payload().length, "the larger one never reached the pipeline");
        assertEquals(1.0, metric("flowlens_udp_oversize_datagrams_total", l.name()));
        assertEquals(2.0, metric("flowlens_udp_received_datagrams_total", l.name()));
    }

    @Test
    void aFailingPipelineDoesNotStopTheReceiver() throws Exception {
        UdpListener l = listener(Map.of());
        pipeline.failNext = new IllegalStateException("test");
        DatagramSocket s = sender(V4);
        send(s, target(l), bytes("first"));
        send(s, target(l), bytes("second"));
        assertArrayEquals(bytes("second"), pipeline.next().payload());
        assertEquals(1.0, metric("flowlens_udp_receive_errors_total", l.name()));
    }

    @Test
    void kernelDropsAreAGaugeFromProcNetUdp() throws Exception {
        UdpListener l = listener(Map.of());
        InetSocketAddress to = target(l);
        send(sender(V4), to, bytes("x"));
        pipeline.next();
        Double drops = metric("flowlens_udp_kernel_drops", l.name());
        assertNotNull(drops);
        if (java.nio.file.Files.isReadable(KernelDrops.UDP)) {
            assertEquals(0.0, drops, "our socket is in /proc/net/udp and nothing was dropped");
            assertEquals(0L, l.status().get("kernelDrops"));
        } else {
            assertTrue(drops.isNaN());
        }
    }

    // ------------------------------------------------------------------ configuration

    @Test
    void aLivePortChangeLosesNothingSentAfterItIsApplied() throws Exception {
        int first = freePort();
        UdpListener l = listener(Map.of("port", first));
        assertEquals(first, target(l).getPort());
        DatagramSocket s = sender(V4);
        for (int i = 0; i < 50; i++) {
            send(s, target(l), bytes("old " + i));
        }
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(bytes("old " + i), pipeline.next().payload());
        }

        int second = freePort();
        l.modified(config(Map.of("port", second)));
        // applied: the new socket is bound when modified returns; every datagram sent from here on arrives
        InetSocketAddress to = target(l);
        assertEquals(second, to.getPort());
        assertEquals("udp:127.0.0.1:" + second, l.name());
        for (int i = 0; i < 200; i++) {
            send(s, to, bytes("new " + i));
        }
        for (int i = 0; i < 200; i++) {
            CountingPipeline.Received r = pipeline.next();
            assertArrayEquals(bytes("new " + i), r.payload());
            assertEquals("udp:127.0.0.1:" + second, r.listener());
        }
        assertNull(pipeline.poll());
        assertTrue(bindable(new InetSocketAddress(V4, first)), "the old port was released");
        assertEquals(200.0, metric("flowlens_udp_received_datagrams_total", l.name()));
        assertNull(metric("flowlens_udp_received_datagrams_total", "udp:127.0.0.1:" + first), "the old name's counters are gone");
    }

    @Test
    void aNewNameAloneRelabelsWithoutRebinding() throws Exception {
        int port = freePort();
        UdpListener l = listener(Map.of("port", port));
        DatagramSocket s = sender(V4);
        send(s, target(l), bytes("before"));
        assertEquals(l.name(), pipeline.next().listener());
        l.modified(config(Map.of("port", port, "name", "netflow")));
        assertEquals(port, target(l).getPort());
        send(s, target(l), bytes("after"));
        CountingPipeline.Received r = pipeline.next();
        assertArrayEquals(bytes("after"), r.payload());
        assertEquals("netflow", r.listener());
        assertEquals("udp:127.0.0.1:" + port, l.name(), "the source name stays the address");
        assertEquals(1.0, metric("flowlens_udp_received_datagrams_total", "netflow"));
        assertNull(metric("flowlens_udp_received_datagrams_total", "udp:127.0.0.1:" + port));
    }

    @Test
    void aPortInUseGivesAFailedStateAndAClearReason() throws Exception {
        DatagramSocket blocker = new DatagramSocket(new InetSocketAddress(V4, 0));
        sockets.add(blocker);
        int port = blocker.getLocalPort();
        UdpListener l = listener(Map.of("port", port));
        assertEquals(CaptureSource.State.FAILED, l.state());
        String error = String.valueOf(l.status().get("lastError"));
        assertTrue(error.contains("already in use"), error);
        assertNull(l.localAddress());

        blocker.close();
        l.start();
        assertEquals(CaptureSource.State.RUNNING, l.state());
        assertNull(l.status().get("lastError"));
        send(sender(V4), target(l), bytes("after the port was freed"));
        assertArrayEquals(bytes("after the port was freed"), pipeline.next().payload());
    }

    @Test
    void aFailedListenerRecoversWithANewConfiguration() throws Exception {
        DatagramSocket blocker = new DatagramSocket(new InetSocketAddress(V4, 0));
        sockets.add(blocker);
        UdpListener l = listener(Map.of("port", blocker.getLocalPort()));
        assertEquals(CaptureSource.State.FAILED, l.state());
        l.modified(config(Map.of("port", 0)));
        assertEquals(CaptureSource.State.RUNNING, l.state());
        send(sender(V4), target(l), bytes("recovered"));
        assertArrayEquals(bytes("recovered"), pipeline.next().payload());
    }

    @Test
    void anInvalidConfigurationIsRefusedAndTheLastGoodOneKept() throws Exception {
        int port = freePort();
        UdpListener l = listener(Map.of("port", port));
        l.modified(config(Map.of("port", 70_000)));
        l.modified(config(Map.of("port", port + 1, "bindAddress", "localhost")));
        l.modified(config(Map.of("port", port + 1, "receiverThreads", 0)));
        l.modified(config(Map.of("port", port + 1, "maxDatagramBytes", 100)));
        l.modified(config(Map.of("port", port + 1, "coalesceMicros", -1)));
        l.modified(config(Map.of("port", port + 1, "coalesceMicros", 100_001)));
        assertEquals(CaptureSource.State.RUNNING, l.state());
        assertEquals(port, target(l).getPort());
        send(sender(V4), target(l), bytes("still here"));
        assertArrayEquals(bytes("still here"), pipeline.next().payload());

        UdpListener bad = listener(Map.of("bindAddress", "not-an-address"));
        assertEquals(CaptureSource.State.FAILED, bad.state());
        assertTrue(String.valueOf(bad.status().get("lastError")).contains("invalid configuration"));
        bad.modified(config(Map.of()));
        assertEquals(CaptureSource.State.RUNNING, bad.state(), "a corrected configuration starts it");
    }

    @Test
    void stopAndStartThroughTheCaptureSource() throws Exception {
        int port = freePort();
        UdpListener l = listener(Map.of("port", port));
        CaptureSource source = l;
        source.stop();
        assertEquals(CaptureSource.State.STOPPED, source.state());
        assertTrue(bindable(new InetSocketAddress(V4, port)), "stop releases the port");
        assertNull(metric("flowlens_udp_listener_up", l.name()));
        l.modified(config(Map.of("port", port, "name", "renamed")));
        assertEquals(CaptureSource.State.STOPPED, source.state(), "a new configuration does not start a stopped listener");
        source.start();
        assertEquals(CaptureSource.State.RUNNING, source.state());
        send(sender(V4), target(l), bytes("again"));
        CountingPipeline.Received r = pipeline.next();
        assertArrayEquals(bytes("again"), r.payload());
        assertEquals("renamed", r.listener());
    }

    @Test
    void deactivationClosesTheSocketAndRemovesTheMetrics() throws Exception {
        UdpListener l = listener(Map.of());
        InetSocketAddress to = target(l);
        String name = l.name();
        l.deactivate();
        assertEquals(CaptureSource.State.STOPPED, l.state());
        assertTrue(bindable(to));
        for (String metric : UdpListener.METRIC_NAMES) {
            assertNull(metric(metric, name), metric);
        }
    }

    @Test
    void bindAddressesAreNumericOnly() throws Exception {
        assertTrue(ListenerSettings.literal("0.0.0.0") instanceof Inet4Address);
        assertTrue(ListenerSettings.literal("::").isAnyLocalAddress());
        assertEquals(InetAddress.getByName("::1"), ListenerSettings.literal("[::1]"));
        assertEquals(InetAddress.getByName("192.0.2.7"), ListenerSettings.literal(" 192.0.2.7 "));
        for (String bad : new String[] {"", "localhost", "cafe", "example.com", "1.2.3.4.5x", "::g"}) {
            try {
                ListenerSettings.literal(bad);
                throw new AssertionError("accepted " + bad);
            } catch (ListenerSettings.Invalid expected) {
                assertNotEquals(null, expected.getMessage());
            }
        }
    }
}
