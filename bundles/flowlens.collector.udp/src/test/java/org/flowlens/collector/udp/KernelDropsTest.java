package org.flowlens.collector.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

class KernelDropsTest {
    /** Lines as Linux 6.1 prints them (x86-64, little-endian). */
    static final List<String> UDP = List.of(
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
            "  421: 0100007F:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37125 2 0000000000000000 12",
            "  421: 0100007F:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37126 2 0000000000000000 3",
            "  990: 00000000:18C7 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37127 2 0000000000000000 7");
    static final List<String> UDP6 = List.of(
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
            "  410: 00000000000000000000000000000000:1283 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37130 2 0000000000000000 5",
            "  999: 00000000000000000000000001000000:1283 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37131 2 0000000000000000 9");

    @Test
    void theLocalAddressColumnIsWordsInHostOrder() throws Exception {
        assertEquals("0100007F:0807", KernelDrops.localAddress(InetAddress.getByName("127.0.0.1"), 2055, ByteOrder.LITTLE_ENDIAN));
        assertEquals("7F000001:0807", KernelDrops.localAddress(InetAddress.getByName("127.0.0.1"), 2055, ByteOrder.BIG_ENDIAN));
        assertEquals("00000000000000000000000001000000:1283", KernelDrops.localAddress(InetAddress.getByName("::1"), 4739, ByteOrder.LITTLE_ENDIAN));
        assertEquals("B80D0120000000000000000001000000:18C7",
                KernelDrops.localAddress(InetAddress.getByName("2001:db8::1"), 6343, ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void dropsAreSummedOverTheSocketsOfTheAddressAndPort() {
        assertEquals(15, KernelDrops.drops(UDP, "0100007F:0807"), "two reuse-port sockets");
        assertEquals(7, KernelDrops.drops(UDP, "00000000:18C7"));
        assertEquals(-1, KernelDrops.drops(UDP, "0100007F:0808"), "not there: unknown");
        assertEquals(5, KernelDrops.drops(UDP6, "00000000000000000000000000000000:1283"), "the dual-stack wildcard only");
        assertEquals(9, KernelDrops.drops(UDP6, "00000000000000000000000001000000:1283"));
    }
}
