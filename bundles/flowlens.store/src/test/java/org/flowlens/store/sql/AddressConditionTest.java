package org.flowlens.store.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.flowlens.api.flow.Cidr;
import org.flowlens.api.flow.IpAddresses;
import org.junit.jupiter.api.Test;

/**
 * The SQL of an address block selects exactly the addresses {@link Cidr} contains, for every
 * prefix length, on both sides of the sign bit of each half, in a real DuckDB.
 */
class AddressConditionTest {

    @Test
    void selectsWhatTheBlockContains() throws SQLException {
        SplittableRandom rnd = new SplittableRandom(7);
        List<long[]> addresses = new ArrayList<>();
        String[] bases = {"10.1.2.3", "192.0.2.200", "255.255.255.255", "0.0.0.1", "2001:db8::1", "ff02::1:ff00:1",
            "8000::1", "7fff:ffff:ffff:ffff:8000::1", "::1", "::ffff:10.1.2.3"};
        for (String b : bases) {
            long[] a = IpAddresses.parse(b);
            addresses.add(a);
            for (int i = 0; i < 40; i++) {
                // neighbours that differ in one random bit
                int bit = rnd.nextInt(128);
                addresses.add(bit < 64 ? new long[] {a[0] ^ (1L << bit), a[1]} : new long[] {a[0], a[1] ^ (1L << (bit - 64))});
            }
        }
        for (int i = 0; i < 200; i++) {
            addresses.add(new long[] {rnd.nextLong(), rnd.nextLong()});
            addresses.add(new long[] {0, IpAddresses.v4Lo(rnd.nextInt())});
        }
        try (DuckDBConnection c = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:", new Properties());
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE a (n INTEGER, x_hi BIGINT, x_lo BIGINT)");
            try (DuckDBAppender app = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "a")) {
                for (int i = 0; i < addresses.size(); i++) {
                    app.beginRow().append(i).append(addresses.get(i)[0]).append(addresses.get(i)[1]).endRow();
                }
            }
            int checked = 0;
            for (String b : bases) {
                boolean v4 = b.indexOf(':') < 0;
                for (int prefix = 0; prefix <= (v4 ? 32 : 128); prefix++) {
                    String block = b + "/" + prefix;
                    Cidr cidr = Cidr.parse(block);
                    List<Integer> expected = new ArrayList<>();
                    for (int i = 0; i < addresses.size(); i++) {
                        if (cidr.contains(addresses.get(i)[0], addresses.get(i)[1])) {
                            expected.add(i);
                        }
                    }
                    List<Integer> got = new ArrayList<>();
                    try (ResultSet rs = st.executeQuery("SELECT n FROM a WHERE " + StoreSql.addressCondition("x", block) + " ORDER BY n")) {
                        while (rs.next()) {
                            got.add(rs.getInt(1));
                        }
                    }
                    assertEquals(expected, got, block);
                    checked++;
                }
            }
            assertEquals(4 * 33 + 6 * 129, checked);
        }
    }

    @Test
    void refusesWhatIsNotABlock() {
        assertThrows(IllegalArgumentException.class, () -> StoreSql.addressCondition("x", "10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> StoreSql.addressCondition("x", "2001:db8::/129"));
        assertThrows(IllegalArgumentException.class, () -> StoreSql.addressCondition("x", "10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> StoreSql.addressCondition("x", "example.com"));
        assertThrows(IllegalArgumentException.class, () -> StoreSql.addressCondition("x", "1' OR '1'='1"));
    }
}
