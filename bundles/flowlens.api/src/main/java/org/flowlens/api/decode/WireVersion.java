package org.flowlens.api.decode;

import java.nio.ByteBuffer;

/**
 * The version a flow-export datagram announces. NetFlow and IPFIX carry a 16-bit version first;
 * sFlow carries a 32-bit one, whose high half is zero, so sFlow versions are offset by
 * {@link #SFLOW} to keep the two apart.
 */
public final class WireVersion {
    public static final int NETFLOW_V1 = 1;
    public static final int NETFLOW_V5 = 5;
    public static final int NETFLOW_V7 = 7;
    public static final int NETFLOW_V9 = 9;
    public static final int IPFIX = 10;
    public static final int SFLOW = 0x1_0000;
    public static final int SFLOW_V5 = SFLOW + 5;
    /** A datagram too short to carry a version. */
    public static final int NONE = -1;

    private WireVersion() {}

    /** The version of the datagram between position and limit; the buffer is not moved. */
    public static int of(ByteBuffer datagram) {
        int p = datagram.position();
        if (datagram.remaining() < 2) {
            return NONE;
        }
        int v16 = datagram.getShort(p) & 0xFFFF;
        if (v16 != 0) {
            return v16;
        }
        if (datagram.remaining() < 4) {
            return NONE;
        }
        int v32 = datagram.getInt(p);
        return v32 >= 0 && v32 < 0x1_0000 ? SFLOW + v32 : NONE;
    }

    /** A short name for counters: {@code 5}, {@code 10}, {@code sflow5}, {@code none}. */
    public static String label(int version) {
        if (version == NONE) {
            return "none";
        }
        return version >= SFLOW ? "sflow" + (version - SFLOW) : Integer.toString(version);
    }
}
