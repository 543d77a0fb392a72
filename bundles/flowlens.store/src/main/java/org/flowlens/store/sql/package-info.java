/**
 * The engine-neutral half of a SQL flow store: the raw table's columns, the bounded write queue
 * and its writer thread, retention and rollup scheduling, and the SQL behind log search, top
 * talkers and series. An engine bundle implements {@link org.flowlens.store.sql.SqlEngine} and
 * registers a {@link org.flowlens.store.sql.SqlFlowStore} built on it.
 */
@Export
@Version("1.0.0")
package org.flowlens.store.sql;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
