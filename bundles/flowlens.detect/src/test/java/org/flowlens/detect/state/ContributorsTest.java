package org.flowlens.detect.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ContributorsTest {
    @Test
    void heavyContributorsSurviveManyLightOnes() {
        Contributors c = new Contributors(2, 5);
        Random rnd = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            c.add(1, 0, rnd.nextInt(5000), 0, 1);
            if (i % 10 == 0) {
                c.add(1, 0, 42, 0, 10);
                c.add(1, 0, 43, 7, 5);
            }
        }
        List<Contributors.Top> top = c.top(1, 5);
        assertEquals(42, top.get(0).lo());
        assertEquals(43, top.get(1).lo());
        assertEquals(7, top.get(1).aux());
        assertTrue(top.get(0).weight() >= 10_000);
        assertTrue(c.top(0, 5).isEmpty(), "entries are separate");
    }

    @Test
    void decayHalvesAndFreesSlots() {
        Contributors c = new Contributors(1, 3);
        c.add(0, 0, 1, 0, 8);
        c.add(0, 0, 2, 0, 1);
        c.decay(0);
        List<Contributors.Top> top = c.top(0, 3);
        assertEquals(1, top.size());
        assertEquals(4, top.get(0).weight());
        c.add(0, 0, 1, 0, 1);
        assertEquals(1, c.top(0, 3).size(), "the same contributor is not counted twice");
        assertEquals(5, c.top(0, 3).get(0).weight());
    }
}
