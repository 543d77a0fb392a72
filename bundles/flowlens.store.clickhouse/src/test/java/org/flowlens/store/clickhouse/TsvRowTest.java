package org.flowlens.store.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.flowlens.store.sql.StoreException;
import org.junit.jupiter.api.Test;

/** ClickHouse's TabSeparated text as it comes back (no server needed). */
class TsvRowTest {

    @Test
    void unescapesAndSplits() {
        TsvRow row = new TsvRow();
        row.parse("-9223372036854775808\t18446744073709551615\ta\\tb\\nc\\\\d\\'e\t\tnan\t-inf\t1.5\t\\0");
        assertEquals(8, row.size());
        assertEquals(Long.MIN_VALUE, row.int64(0));
        assertEquals(-1L, row.int64(1), "UInt64 values keep their 64 bits");
        assertEquals("a\tb\nc\\d'e", row.string(2));
        assertNull(row.string(3), "empty text is absent text");
        assertTrue(Float.isNaN(row.float32(4)));
        assertEquals(Float.NEGATIVE_INFINITY, row.float32(5));
        assertEquals(1.5f, row.float32(6));
        assertEquals("\0", row.string(7));
        assertThrows(StoreException.class, () -> row.int64(2));
        assertThrows(StoreException.class, () -> row.int64(8));
    }
}
