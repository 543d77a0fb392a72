package org.flowlens.decoder.netflow;

import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.flowlens.api.decode.DecodeContext;

/**
 * Per-exporter sequence state for v5 and v7, whose header sequence is the number of flows the
 * exporter sent before this datagram. The next datagram is expected to carry the previous
 * sequence plus the previous record count; a larger value means flows were lost. A smaller one
 * (reordering, duplicate, exporter restart) only resynchronises.
 */
final class SequenceTracker {
    /** A jump this large is an exporter restart or a counter reset, not a loss. */
    static final long MAX_GAP = 10_000_000L;

    private final Map<Object, ExporterState> exporters = new ConcurrentHashMap<>();

    int size() {
        return exporters.size();
    }

    /**
     * Checks {@code sequence} against the exporter's expectation, reports a gap, and remembers
     * what to expect next. Returns the exporter's address in record form.
     */
    ExporterAddress track(DecodeContext ctx, NetflowDecoder.Settings s, int engine, int sequence, int records) {
        InetSocketAddress exporter = ctx.exporter();
        if (exporter == null) {
            return ExporterAddress.UNKNOWN;
        }
        Object key = s.portInKey() ? exporter : (exporter.getAddress() != null ? exporter.getAddress() : exporter);
        long now = ctx.receivedMillis();
        ExporterState st = exporters.get(key);
        if (st == null) {
            if (exporters.size() >= s.maxExporters()) {
                evict(now, s);
            }
            if (exporters.size() >= s.maxExporters()) {
                // Too many exporters: decode without sequence tracking.
                return ExporterAddress.of(exporter);
            }
            st = exporters.computeIfAbsent(key, k -> new ExporterState(ExporterAddress.of(exporter)));
        }
        long gap = st.check(engine, sequence, records, now);
        if (gap > 0) {
            ctx.sequenceGap(gap);
        }
        return st.address;
    }

    /** Forgets exporters idle past the timeout, or the longest idle one if none is. */
    private void evict(long now, NetflowDecoder.Settings s) {
        Object oldestKey = null;
        long oldest = Long.MAX_VALUE;
        for (Iterator<Map.Entry<Object, ExporterState>> it = exporters.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, ExporterState> e = it.next();
            long seen = e.getValue().lastSeen;
            if (now - seen > s.idleMillis()) {
                it.remove();
            } else if (seen < oldest) {
                oldest = seen;
                oldestKey = e.getKey();
            }
        }
        if (exporters.size() >= s.maxExporters() && oldestKey != null) {
            exporters.remove(oldestKey);
        }
    }

    /** Sequence expectations of one exporter, per engine (v5 engine type and id). */
    static final class ExporterState {
        private static final int MAX_ENGINES = 64;

        final ExporterAddress address;
        volatile long lastSeen;
        private int[] engines = new int[2];
        private int[] expected = new int[2];
        private int n;

        ExporterState(ExporterAddress address) {
            this.address = address;
        }

        synchronized long check(int engine, int sequence, int records, long now) {
            lastSeen = now;
            int i = 0;
            while (i < n && engines[i] != engine) {
                i++;
            }
            if (i == n) {
                if (n == MAX_ENGINES) {
                    return 0;
                }
                if (n == engines.length) {
                    engines = java.util.Arrays.copyOf(engines, n * 2);
                    expected = java.util.Arrays.copyOf(expected, n * 2);
                }
                engines[n] = engine;
                expected[n] = sequence + records;
                n++;
                return 0;
            }
            long gap = (sequence - expected[i]) & 0xFFFFFFFFL;
            expected[i] = sequence + records;
            return gap > 0 && gap < MAX_GAP ? gap : 0;
        }
    }
}
