package org.flowlens.enrich.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A DNS server on 127.0.0.1 for tests: answers PTR queries from a table (with name compression),
 * NXDOMAIN for names it lists as such, and stays silent for the rest. For one name it first sends
 * a reply with a wrong id, as a stale or forged packet would.
 */
final class FakeDnsServer implements AutoCloseable {
    static final String NXDOMAIN = "<nxdomain>";

    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<String, String> answers;
    private final String wrongIdFirst;
    final AtomicInteger queries = new AtomicInteger();

    FakeDnsServer(Map<String, String> answers, String wrongIdFirst) throws SocketException {
        this.answers = answers;
        this.wrongIdFirst = wrongIdFirst;
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "fake-dns");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void serve() {
        byte[] buf = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (IOException e) {
                return;
            }
            queries.incrementAndGet();
            ByteBuffer q = ByteBuffer.wrap(p.getData(), 0, p.getLength());
            int id = q.getShort(0) & 0xFFFF;
            StringBuilder name = new StringBuilder();
            int end = DnsClient.readName(q, 12, name) + 4;
            String answer = answers.get(name.toString());
            if (answer == null) {
                continue; // silent: the client times out
            }
            try {
                if (name.toString().equals(wrongIdFirst)) {
                    send(reply((id + 1) & 0xFFFF, q, end, answer), p);
                }
                send(reply(id, q, end, answer), p);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void send(byte[] reply, DatagramPacket to) throws IOException {
        socket.send(new DatagramPacket(reply, reply.length, to.getSocketAddress()));
    }

    private static byte[] reply(int id, ByteBuffer q, int questionEnd, String answer) {
        ByteBuffer r = ByteBuffer.allocate(512);
        boolean nx = answer.equals(NXDOMAIN);
        r.putShort((short) id).putShort((short) (0x8180 | (nx ? 3 : 0))).putShort((short) 1).putShort((short) (nx ? 0 : 1))
                .putShort((short) 0).putShort((short) 0);
        r.put(q.array(), q.arrayOffset() + 12, questionEnd - 12);
        if (!nx) {
            r.putShort((short) 0xC00C).putShort((short) 12).putShort((short) 1).putInt(120);
            int lenPos = r.position();
            r.putShort((short) 0);
            for (String label : answer.split("\\.")) {
                r.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
            }
            r.put((byte) 0);
            r.putShort(lenPos, (short) (r.position() - lenPos - 2));
        }
        byte[] out = new byte[r.position()];
        r.flip().get(out);
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5000);
    }
}
