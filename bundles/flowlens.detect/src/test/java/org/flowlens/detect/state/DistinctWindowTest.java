package org.flowlens.detect.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class DistinctWindowTest {
    @Test
    void countsDistinctElementsInTheWindow() {
        DistinctWindow w = new DistinctWindow();
        for (int tick = 0; tick < 10; tick++) {
            for (int p = 0; p < 10; p++) {
                w.add(tick * 10 + p, 0, tick, tick - 4, 1000);
                w.add(tick * 10 + p, 0, tick, tick - 4, 1000); // repeats are not new
            }
        }
        assertEquals(100, w.size());
        assertEquals(50, w.count(5), "ticks 5..9");
        assertEquals(50, w.purge(5));
        assertEquals(50, w.count(0));
        List<long[]> sample = w.sample(5, 3);
        assertEquals(3, sample.size());
        assertEquals(50, sample.get(0)[0], "smallest first");
    }

    @Test
    void aFullSetMakesRoomFromExpiredElementsOrSaturates() {
        DistinctWindow w = new DistinctWindow();
        for (int p = 0; p < 20; p++) {
            assertTrue(w.add(p, 0, 0, 0, 20));
        }
        assertFalse(w.add(99, 0, 0, 0, 20));
        assertTrue(w.saturated());
        assertEquals(20, w.count(0), "a lower bound");
        // a tick later, with the old elements out of the window, there is room again
        assertTrue(w.add(100, 0, 5, 5, 20));
        assertEquals(1, w.count(5));
        assertFalse(w.saturated());
    }

    @Test
    void keepsAddressPairsApart() {
        DistinctWindow w = new DistinctWindow();
        w.add(1, 2, 0, 0, 100);
        w.add(2, 1, 0, 0, 100);
        w.add(1, 2, 0, 0, 100);
        assertEquals(2, w.count(0));
    }
}
