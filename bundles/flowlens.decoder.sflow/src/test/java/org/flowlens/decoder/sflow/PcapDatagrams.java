package org.flowlens.decoder.sflow;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.flowlens.api.flow.IpAddresses;
import org.flowlens.decoder.packet.PacketInfo;
import org.flowlens.decoder.packet.PacketParser;
import org.flowlens.pcap.PcapReader;

/**
 * The UDP payloads of a capture, in order, with their source and capture time (test helper). The
 * frames are parsed by the shared {@link PacketParser}; the payload is what it finds after the UDP
 * header.
 */
final class PcapDatagrams {
    record Datagram(InetSocketAddress exporter, int dstPort, long millis, byte[] payload) {
        ByteBuffer buffer() {
            return ByteBuffer.wrap(payload);
        }
    }

    private PcapDatagrams() {}

    static List<Datagram> read(Path file) throws IOException {
        List<Datagram> out = new ArrayList<>();
        PacketParser parser = new PacketParser();
        PacketInfo pi = new PacketInfo();
        try (PcapReader r = PcapReader.open(file)) {
            while (r.next()) {
                ByteBuffer frame = r.packet();
                int result = parser.parse(frame, frame.position(), frame.remaining(), r.linkType(), pi);
                if (result != PacketParser.OK || pi.protocol() != 17 || pi.isFragment()) {
                    continue;
                }
                byte[] payload = new byte[pi.payloadLength()];
                frame.get(pi.payloadOffset(), payload);
                InetSocketAddress from = new InetSocketAddress(IpAddresses.toInetAddress(pi.srcHi(), pi.srcLo()), pi.srcPort());
                out.add(new Datagram(from, pi.dstPort(), r.timestampNanos() / 1_000_000L, payload));
            }
        }
        return out;
    }
}
