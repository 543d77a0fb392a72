package org.flowlens.system;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the framework in order when the process is asked to end (SIGTERM from {@code systemctl stop},
 * Ctrl-C), so that every component is deactivated as on a bundle stop: the flow store flushes what it
 * holds, the aggregator saves its windows, listeners close their sockets. The launcher alone would
 * let the JVM exit with the framework still running.
 */
@Component(immediate = true)
public class GracefulStop {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);
    /** How long the process waits for the framework to stop (systemd waits 90 s before SIGKILL). */
    static final long STOP_MILLIS = 60_000;

    private final Thread hook;

    @Activate
    public GracefulStop(BundleContext context) {
        Framework framework = context.getBundle(0).adapt(Framework.class);
        hook = new Thread(() -> stop(framework), "flowlens-graceful-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private static void stop(Framework framework) {
        if ((framework.getState() & (Framework.ACTIVE | Framework.STARTING)) == 0) {
            return;
        }
        LOG.info("Stopping: the process was asked to end");
        try {
            framework.stop();
            FrameworkEvent e = framework.waitForStop(STOP_MILLIS);
            if (e.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("Flowlens did not stop within " + STOP_MILLIS / 1000 + " s; exiting anyway");
            }
        } catch (BundleException e) {
            System.err.println("Flowlens could not stop in order: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Deactivate
    void deactivate() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the process is ending: the hook is what stops the framework now
        }
    }
}
