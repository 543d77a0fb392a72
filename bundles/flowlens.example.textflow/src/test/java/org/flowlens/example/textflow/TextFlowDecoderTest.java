package org.flowlens.example.textflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.decode.WireVersion;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

class TextFlowDecoderTest {
    static final class Context implements DecodeContext {
        final Map<String, Long> drops = new HashMap<>();

        @Override public InetSocketAddress exporter() { return new InetSocketAddress("127.0.0.1", 9999); }
        @Override public long receivedMillis() { return 1_000; }
        @Override public String listener() { return "test"; }
        @Override public void drop(String reason, long count) { drops.merge(reason, count, Long::sum); }
        @Override public void sequenceGap(long missing) {}
    }

    private static ByteBuffer datagram(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theMagicIsTheWireVersion() {
        assertEquals(TextFlowDecoder.WIRE_VERSION, WireVersion.of(datagram("FL1\n")));
    }

    @Test
    void decodesEveryGoodLineAndCountsTheBadOnes() {
        Context ctx = new Context();
        FlowBatch out = new FlowBatch();
        new TextFlowDecoder().decode(datagram("FL1\n192.0.2.1 198.51.100.7 TCP 40000 443 1500 3\nnot a flow\n2001:db8::1 2001:db8::2 udp 5353 53 80 1"), ctx, out);
        assertEquals(2, out.size());
        assertEquals("192.0.2.1", IpAddresses.format(out.get(0).srcHi(), out.get(0).srcLo()));
        assertEquals(443, out.get(0).dstPort());
        assertEquals(1500, out.get(0).bytes());
        assertEquals(17, out.get(1).protocol());
        assertEquals(Map.of("bad_line", 1L), ctx.drops);
    }

    @Test
    void aWrongHeaderDropsTheDatagram() {
        Context ctx = new Context();
        FlowBatch out = new FlowBatch();
        new TextFlowDecoder().decode(datagram("FLX\n192.0.2.1 198.51.100.7 TCP 1 2 3 4\n"), ctx, out);
        assertEquals(0, out.size());
        assertEquals(Map.of("bad_header", 1L), ctx.drops);
    }
}
