package org.flowlens.store.clickhouse;

import java.time.Duration;

import org.flowlens.store.sql.SqlEngine;
import org.flowlens.store.sql.StoreContractTest;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a real ClickHouse server on loopback, one database per test. */
class ClickHouseContractTest extends StoreContractTest {
    private static ClickHouseServer server;
    private static int databases;

    @BeforeAll
    static void startServer() throws Exception {
        server = ClickHouseServer.shared();
    }

    @Override
    protected SqlEngine createEngine(long nowMillis) {
        ClickHouseClient client = new ClickHouseClient(server.url(), ClickHouseServer.USER, ClickHouseServer.PASSWORD, Duration.ofSeconds(30));
        return new ClickHouseEngine(client, "contract_" + databases++);
    }
}
