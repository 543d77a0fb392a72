package org.flowlens.web;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /healthz}: 200 with a small JSON status once every mandatory component is active (the
 * configured ones, and every Flowlens component that can run: one that needs a configuration it
 * does not have is not counted), so records sent after a 200 reach every consumer;
 * 503 naming the ones that are not.
 */
@Component(service = Servlet.class, configurationPid = "flowlens.health")
@HttpWhiteboardServletPattern("/healthz")
@Designate(ocd = HealthServlet.Config.class)
public class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @ObjectClassDefinition(name = "Flowlens health check", description = "GET /healthz answers 200 once these components are active.")
    public @interface Config {
        @AttributeDefinition(name = "Mandatory components", description = "Names of the Declarative Services components that must be active.")
        String[] mandatory() default {"org.flowlens.pipeline.Pipeline", "org.flowlens.pipeline.MetricsRegistry", "org.flowlens.web.IngestServlet",
                "org.flowlens.web.SummaryServlet"};
    }

    private final transient ServiceComponentRuntime scr;
    private final transient BundleContext context;
    private volatile String[] mandatory;

    @Activate
    public HealthServlet(@Reference ServiceComponentRuntime scr, BundleContext context, Config config) {
        this.scr = scr;
        this.context = context;
        this.mandatory = config.mandatory();
    }

    @Modified
    void modified(Config config) {
        mandatory = config.mandatory();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> missing = new ArrayList<>();
        for (String name : mandatory) {
            if (!active(name)) {
                missing.add(name);
            }
        }
        for (Bundle b : context.getBundles()) {
            // a bundle still starting has not even declared its components yet
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("flowlens.") && b.getHeaders().get("Fragment-Host") == null
                    && b.getState() != Bundle.ACTIVE) {
                missing.add(b.getSymbolicName());
            }
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.bundle.symbolicName.startsWith("flowlens.") && scr.isComponentEnabled(d) && !running(d) && !missing.contains(d.name)) {
                missing.add(d.name);
            }
        }
        JsonObject o = new JsonObject();
        o.addProperty("status", missing.isEmpty() ? "UP" : "DOWN");
        o.addProperty("uptime_ms", ManagementFactory.getRuntimeMXBean().getUptime());
        o.addProperty("version", context.getBundle().getVersion().toString());
        if (!missing.isEmpty()) {
            JsonArray m = new JsonArray();
            missing.forEach(m::add);
            o.add("inactive", m);
        }
        JsonResponses.send(req, resp, missing.isEmpty() ? 200 : 503, o);
    }

    /** Active, or not configured although it requires a configuration. */
    private boolean running(ComponentDescriptionDTO d) {
        var configs = scr.getComponentConfigurationDTOs(d);
        if (configs.isEmpty()) {
            return "require".equals(d.configurationPolicy);
        }
        for (ComponentConfigurationDTO c : configs) {
            if (c.state != ComponentConfigurationDTO.ACTIVE && c.state != ComponentConfigurationDTO.SATISFIED) {
                return false;
            }
        }
        return true;
    }

    private boolean active(String name) {
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.ACTIVE) {
                continue;
            }
            ComponentDescriptionDTO d = scr.getComponentDescriptionDTO(b, name);
            if (d != null) {
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state == ComponentConfigurationDTO.ACTIVE || c.state == ComponentConfigurationDTO.SATISFIED) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
