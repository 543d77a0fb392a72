package org.flowlens.store.duckdb;

import java.nio.file.Path;

import org.flowlens.store.sql.SqlEngine;
import org.flowlens.store.sql.StoreContractTest;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a real DuckDB file. */
class DuckDbContractTest extends StoreContractTest {
    @TempDir
    Path dir;
    private int files;

    @Override
    protected SqlEngine createEngine(long nowMillis) {
        return DuckDbEngine.open(dir.resolve("store-" + files++ + "/flows.duckdb"), 256, 2, nowMillis);
    }
}
