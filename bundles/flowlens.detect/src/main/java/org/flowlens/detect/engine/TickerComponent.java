package org.flowlens.detect.engine;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The detectors' shared timer: one daemon thread, the wall clock. */
@Component(service = Ticker.class)
public class TickerComponent implements Ticker {
    private static final Logger LOG = LoggerFactory.getLogger(TickerComponent.class);

    private ScheduledExecutorService executor;

    @Activate
    public void activate() {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowlens-detect-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    @Deactivate
    public void deactivate() {
        executor.shutdownNow();
    }

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public Task schedule(String name, Runnable task, long periodMillis) {
        ScheduledFuture<?> f = executor.scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException | LinkageError e) {
                // one failing evaluation must not end the schedule
                LOG.error("Detector task {} failed", name, e);
            }
        }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }
}
