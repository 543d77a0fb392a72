package org.flowlens.store.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.flowlens.api.flow.FlowRecord;
import org.junit.jupiter.api.Test;

class StoreSettingsTest {

    @Test
    void readsDurations() {
        assertEquals(250, StoreSettings.durationMillis("x", "250ms"));
        assertEquals(1_000, StoreSettings.durationMillis("x", "1s"));
        assertEquals(1_500, StoreSettings.durationMillis("x", " 1.5 s "));
        assertEquals(2, StoreSettings.durationMillis("x", "0.002"));
        assertEquals(120_000, StoreSettings.durationMillis("x", "2m"));
        assertEquals(3_600_000, StoreSettings.durationMillis("x", "1H"));
        for (String bad : new String[] {"", " ", "s", "1d", "1.2.3s", "-1s", "fast", null}) {
            assertThrows(IllegalArgumentException.class, () -> StoreSettings.durationMillis("x", bad), String.valueOf(bad));
        }
    }

    @Test
    void filesRecordsUnderTheConfiguredTime() {
        StoreSettings received = StoreSettings.parse("1s", 1_000, 1, 1, new String[0], "received");
        StoreSettings end = StoreSettings.parse("1s", 1_000, 1, 1, new String[0], " END ");
        FlowRecord r = new FlowRecord().receivedMillis(5_000).endMillis(4_000);
        assertEquals(5_000, received.timeOf(r, 9_000));
        assertEquals(4_000, end.timeOf(r, 9_000));
        FlowRecord noEnd = new FlowRecord().receivedMillis(5_000);
        assertEquals(5_000, end.timeOf(noEnd, 9_000));
        assertEquals(9_000, received.timeOf(new FlowRecord(), 9_000), "a record without times is filed when it arrives");
    }

    @Test
    void admitsRecordsWithAnAddressInTheFilter() {
        StoreSettings s = StoreSettings.parse("1s", 1_000, 1, 1, new String[] {"10.0.0.0/8", "2001:db8::/32"}, "received");
        assertTrue(s.admits(new FlowRecord().srcV4(0x0A010203).dstV4(0x08080808)));
        assertTrue(s.admits(new FlowRecord().srcV4(0x08080808).dstV4(0x0AFFFFFF)));
        assertTrue(s.admits(new FlowRecord().src(0x2001_0db8_0000_0001L, 5).dstV4(0x08080808)));
        assertFalse(s.admits(new FlowRecord().srcV4(0x0B000001).dstV4(0x08080808)));
        assertTrue(StoreSettings.defaults().admits(new FlowRecord().srcV4(0x0B000001)));
    }

    @Test
    void refusesOutOfRangeValues() {
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("10ms", 1_000, 1, 1, new String[0], "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("2m", 1_000, 1, 1, new String[0], "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("1s", 999, 1, 1, new String[0], "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("1s", 1_000, 0, 1, new String[0], "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("1s", 1_000, 3_651, 1, new String[0], "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("1s", 1_000, 1, 0, new String[0], "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("1s", 1_000, 1, 1, new String[] {"10.0.0.0/8x"}, "received"));
        assertThrows(IllegalArgumentException.class, () -> StoreSettings.parse("1s", 1_000, 1, 1, new String[0], "start"));
        assertEquals(0, StoreSettings.parse("1s", 1_000, 1, 1, null, "received").storeCidrs().size());
    }

    @Test
    void cutsOffWholeUtcDaysAndMonths() {
        long now = Instant.parse("2025-03-10T12:34:56Z").toEpochMilli();
        assertEquals(Instant.parse("2025-03-03T00:00:00Z").toEpochMilli(), StoreSql.rawCutoff(now, 7));
        assertEquals(Instant.parse("2025-03-09T00:00:00Z").toEpochMilli(), StoreSql.rawCutoff(now, 1));
        assertEquals(Instant.parse("2024-02-01T00:00:00Z").toEpochMilli(), StoreSql.rollupCutoff(now, 13));
        assertEquals(Instant.parse("2025-02-01T00:00:00Z").toEpochMilli(), StoreSql.rollupCutoff(now, 1));
        assertEquals(now - 56_000, StoreSql.floorMinute(now));
        assertEquals(now + 4_000, StoreSql.ceilMinute(now));
        assertEquals(now + 4_000, StoreSql.ceilMinute(now + 4_000));
    }
}
