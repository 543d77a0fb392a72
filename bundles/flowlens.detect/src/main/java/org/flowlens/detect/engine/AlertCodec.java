package org.flowlens.detect.engine;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.flowlens.api.alert.Acknowledgement;
import org.flowlens.api.alert.Alert;

/**
 * How alerts, their evidence and acknowledgements are written to the state a stopping bundle
 * leaves for its next instance, and read back; reading refuses what it did not write with an
 * {@link IOException}.
 */
public final class AlertCodec {
    private AlertCodec() {}

    public static void writeAlert(DataOutput out, Alert a) throws IOException {
        writeText(out, a.id());
        writeText(out, a.detector());
        writeText(out, a.key());
        out.writeInt(a.severity().ordinal());
        out.writeInt(a.state().ordinal());
        out.writeLong(a.firstMillis());
        out.writeLong(a.lastMillis());
        out.writeDouble(a.value());
        out.writeDouble(a.threshold());
        writeText(out, a.message());
        writeEvidence(out, a.evidence());
    }

    public static Alert readAlert(DataInput in) throws IOException {
        String id = readText(in), detector = readText(in), key = readText(in);
        Alert.Severity severity = severity(in.readInt());
        int state = in.readInt();
        if (state < 0 || state >= Alert.State.values().length) {
            throw new IOException("not a saved alert: state " + state);
        }
        return new Alert(id, detector, key, severity, Alert.State.values()[state], in.readLong(), in.readLong(),
                in.readDouble(), in.readDouble(), readText(in), readEvidence(in));
    }

    public static Alert.Severity severity(int ordinal) throws IOException {
        if (ordinal < 0 || ordinal >= Alert.Severity.values().length) {
            throw new IOException("not a saved alert: severity " + ordinal);
        }
        return Alert.Severity.values()[ordinal];
    }

    /** An acknowledgement or its absence. */
    public static void writeAcknowledgement(DataOutput out, Acknowledgement a) throws IOException {
        out.writeBoolean(a != null);
        if (a != null) {
            writeText(out, a.by());
            writeText(out, a.note());
            out.writeLong(a.millis());
        }
    }

    public static Acknowledgement readAcknowledgement(DataInput in) throws IOException {
        return in.readBoolean() ? new Acknowledgement(readText(in), readText(in), in.readLong()) : null;
    }

    /** Evidence: a list of maps whose values are numbers and texts; anything else is kept as its text. */
    public static void writeEvidence(DataOutput out, List<Map<String, Object>> evidence) throws IOException {
        out.writeInt(evidence.size());
        for (Map<String, Object> m : evidence) {
            out.writeInt(m.size());
            for (Map.Entry<String, Object> f : m.entrySet()) {
                writeText(out, f.getKey());
                writeValue(out, f.getValue());
            }
        }
    }

    public static List<Map<String, Object>> readEvidence(DataInput in) throws IOException {
        int items = count(in, 1024, "evidence items");
        List<Map<String, Object>> evidence = new ArrayList<>(items);
        for (int j = 0; j < items; j++) {
            int fields = count(in, 64, "evidence fields");
            Map<String, Object> m = new LinkedHashMap<>();
            for (int f = 0; f < fields; f++) {
                m.put(readText(in), readValue(in));
            }
            evidence.add(m);
        }
        return List.copyOf(evidence);
    }

    /** A text of any length (null as the empty text). */
    public static void writeText(DataOutput out, String s) throws IOException {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    public static String readText(DataInput in) throws IOException {
        byte[] b = new byte[count(in, 1 << 20, "bytes of text")];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A count written before what it counts, refused beyond {@code max}. */
    public static int count(DataInput in, int max, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("not saved alerts: " + n + " " + what + ", at most " + max);
        }
        return n;
    }

    private static void writeValue(DataOutput out, Object v) throws IOException {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            out.writeByte('L');
            out.writeLong(((Number) v).longValue());
        } else if (v instanceof Number) {
            out.writeByte('D');
            out.writeDouble(((Number) v).doubleValue());
        } else if (v instanceof Boolean) {
            out.writeByte('B');
            out.writeBoolean((Boolean) v);
        } else {
            out.writeByte('S');
            writeText(out, String.valueOf(v));
        }
    }

    private static Object readValue(DataInput in) throws IOException {
        int type = in.readByte();
        switch (type) {
            case 'L':
                return in.readLong();
            case 'D':
                return in.readDouble();
            case 'B':
                return in.readBoolean();
            case 'S':
                return readText(in);
            default:
                throw new IOException("not saved alerts: evidence value of type " + type);
        }
    }
}
