package org.flowlens.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

/**
 * The tables a pane shares between the dimensions of a family (exporter with its interfaces, the
 * country and AS of each side) and the protocol dimension taken from the per-protocol counters:
 * every dimension ends up exact, whether the shared table held every key of the bucket or met more
 * than it holds and handed its dimensions over halfway.
 */
class PaneTest {
    private static final String[] NAMES = new String[1000];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            NAMES[i] = "AS-" + i;
        }
    }

    /** Records whose exporter, interfaces and source AS take {@code spread} times more values when wide. */
    private static List<FlowRecord> records(int n, boolean wide, long seed) {
        List<FlowRecord> rs = Streams.records(n, 10, 20, 1.0, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int exporters = wide ? 8 : 2, ifs = wide ? 40 : 4, ases = wide ? 900 : 3;
        for (FlowRecord r : rs) {
            r.exporter(0, 0x0000_FFFF_C0A8_0000L + rnd.nextInt(exporters)).inIf(rnd.nextInt(ifs)).outIf(rnd.nextInt(ifs));
            int as = rnd.nextInt(ases);
            // equal names from different String objects, as a decoder without interning would deliver them
            r.srcAs(64_000 + as).srcAsName(new String(NAMES[as])).srcCountry(Streams.COUNTRIES[rnd.nextInt(9)]);
        }
        return rs;
    }

    private static Pane feed(List<FlowRecord> records, int capacity) {
        Settings s = Settings.defaults();
        int[] caps = new int[s.dimensions.size()];
        for (int i = 0; i < caps.length; i++) {
            Dimension d = s.dimensions.get(i);
            caps[i] = d.distinct > 0 && d.distinct < capacity ? (int) d.distinct : capacity;
        }
        Pane p = new Pane(s.dimensions, caps, capacity);
        FlowBatch batch = Streams.batch(records, 0, records.size());
        int[] sel = new int[Pane.RUN];
        for (int i = 0; i < records.size(); i += Pane.RUN) {
            int n = Math.min(Pane.RUN, records.size() - i);
            for (int j = 0; j < n; j++) {
                sel[j] = i + j;
            }
            p.addAll(batch, sel, n);
        }
        p.settle();
        return p;
    }

    private static void assertExact(Pane p, List<FlowRecord> records, String text) {
        String spec = Dimension.canonical(text);
        int i = 0;
        while (!p.dims[i].spec.equals(spec)) {
            i++;
        }
        Dimension d = p.dims[i];
        KeyTable t = p.tables[i];
        Map<List<String>, long[]> truth = BruteForce.group(records, spec);
        assertTrue(t.error().exact(), spec);
        assertEquals(truth.size(), t.size(), spec + " keys");
        for (int id = 0; id < t.size(); id++) {
            List<String> key = d.key(t.keyWords(), t.keyOffset(id), t.keyObjects(), t.objectOffset(id));
            long[] v = truth.get(key);
            assertTrue(v != null, spec + ": no such key " + key);
            assertEquals(v[0], t.bytes(id), spec + " bytes of " + key);
            assertEquals(v[1], t.packets(id), spec + " packets of " + key);
            assertEquals(v[2], t.flows(id), spec + " flows of " + key);
        }
        assertEquals(records.size(), t.totalFlows());
    }

    private static final List<String> CHECKED = List.of("session", "src_addr", "dst_addr", "dst_port+protocol", "protocol",
            "src_country", "dst_country", "src_asn+src_as_name", "dst_asn+dst_as_name", "dst_domain", "exporter",
            "exporter+in_if", "exporter+out_if");

    @Test
    void sharedTablesThatHoldEveryKeyAnswerEachDimension() {
        List<FlowRecord> records = records(20_000, false, 1);
        Pane p = feed(records, 2000);
        assertEquals(0, p.handovers);
        for (String spec : CHECKED) {
            assertExact(p, records, spec);
        }
    }

    @Test
    void sharedTablesThatOverflowHandTheirDimensionsOverExactly() {
        List<FlowRecord> records = records(30_000, true, 2);
        // 8 exporters x 40 x 40 interfaces and 9 countries x 900 ASes: more combinations than the
        // 2,000 keys a table holds, while each configured dimension alone fits
        Pane p = feed(records, 2000);
        assertEquals(2, p.handovers);
        for (String spec : CHECKED) {
            assertExact(p, records, spec);
        }
        // cleared, the pane shares again
        p.clear();
        List<FlowRecord> narrow = records(5_000, false, 3);
        FlowBatch batch = Streams.batch(narrow, 0, narrow.size());
        int[] sel = new int[Pane.RUN];
        for (int i = 0; i < narrow.size(); i += Pane.RUN) {
            int n = Math.min(Pane.RUN, narrow.size() - i);
            for (int j = 0; j < n; j++) {
                sel[j] = i + j;
            }
            p.addAll(batch, sel, n);
        }
        p.settle();
        assertEquals(2, p.handovers);
        for (String spec : CHECKED) {
            assertExact(p, narrow, spec);
        }
        assertEquals(new ArrayList<>(CHECKED).size(), p.dims.length);
    }
}
