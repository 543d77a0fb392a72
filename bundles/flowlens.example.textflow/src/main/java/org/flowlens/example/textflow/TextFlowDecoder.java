package org.flowlens.example.textflow;

import java.nio.ByteBuffer;

import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.FlowDecoder;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.flow.Protocols;
import org.osgi.service.component.annotations.Component;

/**
 * Decodes datagrams of a line-based text format:
 *
 * <pre>
 * FL1
 * 192.0.2.1 198.51.100.7 TCP 40000 443 1500 3
 * 2001:db8::1 2001:db8::2 UDP 5353 53 80 1
 * </pre>
 *
 * The first line is the magic {@code FL1}; its first two bytes, {@code 'F' 'L'} (0x464C), are the
 * wire version the pipeline dispatches on. Each further line is source, destination, protocol,
 * source port, destination port, bytes and packets, separated by spaces. A bad line is counted
 * as dropped ({@code bad_line}) and the rest of the datagram still decoded.
 */
@Component(property = {FlowDecoder.FORMAT + "=textflow", FlowDecoder.VERSIONS + ":Integer=" + TextFlowDecoder.WIRE_VERSION})
public class TextFlowDecoder implements FlowDecoder {
    /** 'F' 'L': the first two bytes of every datagram. */
    public static final int WIRE_VERSION = 0x464C;
    private static final int MAX_LINE = 512;

    @Override
    public void decode(ByteBuffer datagram, DecodeContext context, FlowBatch out) {
        int pos = datagram.position();
        int end = datagram.limit();
        int lineStart = pos;
        boolean header = true;
        for (int i = pos; i <= end; i++) {
            if (i < end && datagram.get(i) != '\n') {
                continue;
            }
            int len = i - lineStart;
            if (len > MAX_LINE) {
                context.drop("bad_line", 1);
            } else if (len > 0) {
                byte[] bytes = new byte[len];
                datagram.get(lineStart, bytes);
                String line = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).trim();
                if (header) {
                    if (!line.equals("FL1")) {
                        context.drop("bad_header", 1);
                        return;
                    }
                } else if (!line.isEmpty() && !parse(line, context, out)) {
                    context.drop("bad_line", 1);
                }
                header = false;
            }
            lineStart = i + 1;
        }
    }

    private static boolean parse(String line, DecodeContext context, FlowBatch out) {
        String[] f = line.split(" +");
        if (f.length != 7) {
            return false;
        }
        try {
            long[] src = IpAddresses.parse(f[0]);
            long[] dst = IpAddresses.parse(f[1]);
            int protocol = Protocols.number(f[2]);
            int srcPort = Integer.parseInt(f[3]);
            int dstPort = Integer.parseInt(f[4]);
            long bytes = Long.parseLong(f[5]);
            long packets = Long.parseLong(f[6]);
            if (protocol < 0 || srcPort < 0 || srcPort > 65535 || dstPort < 0 || dstPort > 65535 || bytes < 0 || packets < 0) {
                return false;
            }
            long[] exporter = IpAddresses.of(context.exporter().getAddress());
            long now = context.receivedMillis();
            FlowRecord r = out.next();
            r.format("textflow").receivedMillis(now).startMillis(now).endMillis(now).exporter(exporter[0], exporter[1]).src(src[0], src[1])
                    .dst(dst[0], dst[1]).protocol(protocol).srcPort(srcPort).dstPort(dstPort).bytes(bytes).packets(packets);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
