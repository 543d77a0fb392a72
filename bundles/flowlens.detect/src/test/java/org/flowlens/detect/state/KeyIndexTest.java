package org.flowlens.detect.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class KeyIndexTest {
    private record Key(long hi, long lo, int tag) {}

    @Test
    void behavesLikeAMapUnderRandomInsertsAndRemovals() {
        KeyIndex index = new KeyIndex(1000);
        Map<Key, Integer> model = new HashMap<>();
        Random rnd = new Random(42);
        for (int op = 0; op < 200_000; op++) {
            // a small key space so that inserts, hits and removals all happen often
            Key k = new Key(rnd.nextInt(3), rnd.nextInt(1500), rnd.nextInt(2));
            if (rnd.nextInt(3) == 0) {
                int e = index.find(k.hi(), k.lo(), k.tag());
                Integer expected = model.remove(k);
                assertEquals(expected == null ? -1 : expected, e);
                if (e >= 0) {
                    index.remove(e);
                }
            } else {
                int r = index.findOrInsert(k.hi(), k.lo(), k.tag());
                Integer expected = model.get(k);
                if (expected != null) {
                    assertEquals(expected, r);
                } else if (model.size() == 1000) {
                    assertEquals(Integer.MIN_VALUE, r, "full");
                } else {
                    assertTrue(r < 0);
                    int e = -(r + 1);
                    assertTrue(!model.containsValue(e), "entry numbers are unique");
                    model.put(k, e);
                }
            }
            assertEquals(model.size(), index.size());
        }
        for (Map.Entry<Key, Integer> m : model.entrySet()) {
            Key k = m.getKey();
            assertEquals(m.getValue(), index.find(k.hi(), k.lo(), k.tag()));
            assertEquals(k.lo(), index.lo(m.getValue()));
        }
    }
}
