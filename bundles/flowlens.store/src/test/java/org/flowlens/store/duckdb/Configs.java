package org.flowlens.store.duckdb;

import java.lang.annotation.Annotation;
import java.nio.file.Path;

/** Configurations of {@link DuckDbStore} as Config Admin would hand them over. */
final class Configs {
    private Configs() {}

    static DuckDbStore.Config of(Path path, String flush, int queue, int rawDays, int rollupMonths, String[] cidrs,
            String timeSource, int memoryMb, int threads) {
        return new DuckDbStore.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DuckDbStore.Config.class;
            }

            @Override
            public String path() {
                return path.toString();
            }

            @Override
            public String flushInterval() {
                return flush;
            }

            @Override
            public int queueSize() {
                return queue;
            }

            @Override
            public int rawRetentionDays() {
                return rawDays;
            }

            @Override
            public int rollupRetentionMonths() {
                return rollupMonths;
            }

            @Override
            public String[] storeCidrs() {
                return cidrs;
            }

            @Override
            public String timeSource() {
                return timeSource;
            }

            @Override
            public int memoryLimitMb() {
                return memoryMb;
            }

            @Override
            public int threads() {
                return threads;
            }
        };
    }

    static DuckDbStore.Config of(Path path) {
        return of(path, "1s", 1_000_000, 7, 13, new String[0], "received", 256, 2);
    }
}
