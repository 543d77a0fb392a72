package org.flowlens.capture.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Captures on the loopback interface while sending known UDP, TCP, ICMP and DNS traffic over
 * 127.0.0.1, then checks the metered sessions and the names learned. Needs libpcap and root (or
 * CAP_NET_RAW); skipped otherwise.
 */
class LiveCaptureTest {

    static final InetAddress LOCAL = InetAddress.getLoopbackAddress();

    final List<FlowRecord> records = Collections.synchronizedList(new ArrayList<>());

    static void assumeCaptureWorks() {
        DependencyReport deps = CaptureTools.checkDependencies();
        Assumptions.assumeTrue(deps.ok(), "live capture test skipped: " + deps.message());
    }

    /** A DNS response for {@code name} A {@code address}, TTL 300. */
    static byte[] dnsResponse(String name, byte[] address) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) 0x4242).putShort((short) 0x8180).putShort((short) 1).putShort((short) 1).putInt(0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1);
        b.putShort((short) 0xC00C).putShort((short) 1).putShort((short) 1).putInt(300).putShort((short) 4).put(address);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    static DatagramSocket dnsServerSocket() {
        for (int port : new int[] {53, 5353}) {
            try {
                return new DatagramSocket(new InetSocketAddress(LOCAL, port));
            } catch (IOException e) {
                // taken: try the next DNS port
            }
        }
        return null;
    }

    FlowRecord find(int protocol, String dst, int dstPort) {
        synchronized (records) {
            for (FlowRecord r : records) {
                if (r.protocol() == protocol && IpAddresses.format(r.dstHi(), r.dstLo()).equals(dst)
                        && r.dstPort() == dstPort) {
                    return r;
                }
            }
        }
        return null;
    }

    @Test
    void capturesLoopbackTrafficIntoSessions() throws Exception {
        assumeCaptureWorks();
        try (DatagramSocket udpServer = new DatagramSocket(new InetSocketAddress(LOCAL, 0));
                DatagramSocket udpClient = new DatagramSocket(new InetSocketAddress(LOCAL, 0));
                ServerSocket tcpServer = new ServerSocket(0, 5, LOCAL);
                DatagramSocket dnsServer = dnsServerSocket();
                DatagramSocket dnsClient = new DatagramSocket(new InetSocketAddress(LOCAL, 0))) {
            Assumptions.assumeTrue(dnsServer != null, "neither 127.0.0.1:53 nor :5353 could be bound");
            int udpPort = udpServer.getLocalPort();
            int tcpPort = tcpServer.getLocalPort();
            String bpf = "icmp or port " + udpPort + " or port " + tcpPort + " or port " + dnsServer.getLocalPort()
                    + " or host 127.0.0.9";
            LiveCapture capture = new LiveCapture(new LiveCaptureOptions("lo", false, 2048, bpf, 32 << 20, true, 50),
                    new MeterSettings(), new DomainTable(1000, 60, 3600), batch -> batch.forEach(records::add));
            capture.open();
            assertEquals("lo", capture.interfaceName());
            Thread thread = new Thread(capture, "capture-test");
            thread.start();
            try {
                // UDP: five datagrams of 100 bytes, each received
                byte[] payload = new byte[100];
                DatagramPacket in = new DatagramPacket(new byte[200], 200);
                for (int i = 0; i < 5; i++) {
                    udpClient.send(new DatagramPacket(payload, payload.length, LOCAL, udpPort));
                    udpServer.receive(in);
                }
                // TCP: an HTTP request and a 1,000-byte answer, then both sides close
                try (Socket client = new Socket(LOCAL, tcpPort); Socket served = tcpServer.accept()) {
                    OutputStream out = client.getOutputStream();
                    byte[] get = "GET / HTTP/1.1\r\nHost: flowlens.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                    out.write(get);
                    out.flush();
                    InputStream sin = served.getInputStream();
                    byte[] request = new byte[get.length];
                    int read = 0;
                    while (read < request.length) {
                        int n = sin.read(request, read, request.length - read);
                        assertTrue(n > 0);
                        read += n;
                    }
                    served.getOutputStream().write(new byte[1000]);
                    served.getOutputStream().flush();
                    InputStream cin = client.getInputStream();
                    int got = 0;
                    byte[] answer = new byte[1000];
                    while (got < 1000) {
                        int n = cin.read(answer, got, 1000 - got);
                        assertTrue(n > 0);
                        got += n;
                    }
                    served.shutdownOutput();
                    client.shutdownOutput();
                    assertEquals(-1, cin.read());
                    assertEquals(-1, sin.read());
                }
                // DNS: an answer naming 127.0.0.9, then traffic to that address
                byte[] answer = dnsResponse("lo-test.flowlens.example", new byte[] {127, 0, 0, 9});
                dnsServer.send(new DatagramPacket(answer, answer.length, LOCAL, dnsClient.getLocalPort()));
                dnsClient.receive(new DatagramPacket(new byte[512], 512));
                try (DatagramSocket toNamed = new DatagramSocket()) {
                    toNamed.send(new DatagramPacket(new byte[10], 10, InetAddress.getByName("127.0.0.9"), 9));
                }
                // ICMP: as root, isReachable sends an echo request
                assertTrue(LOCAL.isReachable(2000));
            } finally {
                capture.stop();
                thread.join(10_000);
            }
            assertNull(capture.lastError());
            assertEquals(0, capture.kernelDropped(), "kernel drops: " + capture.status());

            FlowRecord udp = find(17, "127.0.0.1", udpPort);
            assertNotNull(udp, "UDP session: " + records);
            assertEquals(5, udp.packets());
            assertEquals(5 * (20 + 8 + 100), udp.bytes());
            assertEquals(udpClient.getLocalPort(), udp.srcPort());
            assertEquals("pcap", udp.format());

            FlowRecord request = find(6, "127.0.0.1", tcpPort);
            assertNotNull(request, "TCP client to server: " + records);
            assertEquals(0x02 | 0x10 | 0x01, request.tcpFlags() & 0x13, "SYN, ACK and FIN from the client");
            assertTrue(request.bytes() >= 39 + 3 * 40, "request bytes " + request.bytes());
            FlowRecord response = null;
            synchronized (records) {
                for (FlowRecord r : records) {
                    if (r.protocol() == 6 && r.srcPort() == tcpPort) {
                        response = r;
                    }
                }
            }
            assertNotNull(response, "TCP server to client");
            assertTrue(response.bytes() >= 1000 + 2 * 40, "response bytes " + response.bytes());
            assertEquals(0x12, response.tcpFlags() & 0x12, "SYN+ACK from the server");
            assertEquals("flowlens.test", request.dstDomain(), "name from the HTTP Host header");

            FlowRecord named = find(17, "127.0.0.9", 9);
            assertNotNull(named, "UDP to 127.0.0.9: " + capture.status());
            assertEquals("lo-test.flowlens.example", named.dstDomain(), "name from the captured DNS answer");

            FlowRecord echo = find(1, "127.0.0.1", 8 << 8);
            assertNotNull(echo, "ICMP echo request: " + records);
            assertTrue(capture.received() >= 5 + 8 + 2 + 1 + 2);
            assertEquals(0, capture.meter().malformedPackets());
            assertEquals(0, capture.meter().sessions(), "stop reports every session");
        }
    }

    @Test
    void listsTheLoopbackInterface() throws IOException {
        DependencyReport deps = CaptureTools.checkDependencies();
        Assumptions.assumeTrue(deps.libpcap(), "libpcap missing: " + deps.message());
        List<NetworkInterfaceInfo> all = CaptureTools.listInterfaces();
        assertTrue(all.stream().anyMatch(i -> i.name().equals("lo") && i.loopback()), all.toString());
        assertTrue(deps.libpcapVersion().toLowerCase().contains("libpcap"), deps.libpcapVersion());
    }

    @Test
    void anUnknownInterfaceIsAClearError() {
        DependencyReport deps = CaptureTools.checkDependencies();
        Assumptions.assumeTrue(deps.libpcap(), "libpcap missing: " + deps.message());
        LiveCapture c = new LiveCapture(LiveCaptureOptions.of("no-such-if0"), new MeterSettings(),
                new DomainTable(10, 0, 10), b -> { });
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, c::open);
        assertTrue(e.getMessage().contains("no-such-if0"), e.getMessage());
    }

    @Test
    void thePermissionHintSaysHowToGrantCapture() {
        String hint = CaptureTools.permissionHint("eth0");
        assertTrue(hint.contains("CAP_NET_RAW") && hint.contains("setcap") && hint.contains("eth0"), hint);
        assertTrue(CaptureTools.isPermissionError("eth0: You don't have permission to capture on that device"));
        assertTrue(CaptureTools.isPermissionError("socket: Operation not permitted"));
        DependencyReport deps = CaptureTools.checkDependencies();
        assertNotNull(deps.message());
        assertEquals(deps.libpcap() && deps.privileged(), deps.ok());
    }
}
