package org.flowlens.system;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With the debug switch on, lists the registered HTTP routes and every component with its state
 * once the framework has started.
 */
@Component(immediate = true)
public class DebugReport implements FrameworkListener {
    private static final Logger LOG = LoggerFactory.getLogger(DebugReport.class);

    private final BundleContext context;
    private final ServiceComponentRuntime scr;
    /** An HttpServiceRuntime, kept as Object so that assemblies without the servlet API load this class. */
    @Reference(service = HttpServiceRuntime.class, cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Object http;
    private ScheduledExecutorService timer;

    @Activate
    public DebugReport(BundleContext context, @Reference ServiceComponentRuntime scr) {
        this.context = context;
        this.scr = scr;
        if (DebugSwitch.on(context)) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "flowlens-debug-report");
                t.setDaemon(true);
                return t;
            });
            context.addFrameworkListener(this);
            if (context.getBundle(0).getState() == org.osgi.framework.Bundle.ACTIVE) {
                schedule();
            }
        }
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        if (event.getType() == FrameworkEvent.STARTED) {
            schedule();
        }
    }

    private void schedule() {
        // components and servlets register asynchronously after the start level is reached
        timer.schedule(this::report, 1, TimeUnit.SECONDS);
    }

    @Deactivate
    void deactivate() {
        if (timer != null) {
            context.removeFrameworkListener(this);
            timer.shutdownNow();
        }
    }

    void report() {
        LOG.info("Debug report\n{}", describe());
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        Object h = http;
        sb.append("HTTP routes:\n");
        sb.append(h == null ? "  (no HTTP runtime)\n" : HttpRoutes.describe(h));
        sb.append("Components:\n");
        List<String> lines = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            var configs = scr.getComponentConfigurationDTOs(d);
            String state = !scr.isComponentEnabled(d) ? "disabled" : configs.isEmpty() ? "unsatisfied (no configuration)" : state(configs.iterator().next().state);
            lines.add("  " + d.name + " [" + d.bundle.symbolicName + "] " + state + (configs.size() > 1 ? " x" + configs.size() : ""));
        }
        lines.sort(null);
        lines.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    private static String state(int s) {
        switch (s) {
            case ComponentConfigurationDTO.ACTIVE: return "active";
            case ComponentConfigurationDTO.SATISFIED: return "satisfied";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE: return "unsatisfied reference";
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION: return "unsatisfied configuration";
            case ComponentConfigurationDTO.FAILED_ACTIVATION: return "failed activation";
            default: return "state " + s;
        }
    }
}
