package org.flowlens.system;

import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.runtime.dto.ResourceDTO;
import org.osgi.service.servlet.runtime.dto.RuntimeDTO;
import org.osgi.service.servlet.runtime.dto.ServletContextDTO;
import org.osgi.service.servlet.runtime.dto.ServletDTO;

/** The routes of the HTTP Whiteboard; loaded only when an HTTP runtime is there to describe. */
final class HttpRoutes {
    private HttpRoutes() {}

    static String describe(Object httpServiceRuntime) {
        StringBuilder sb = new StringBuilder();
        RuntimeDTO rt = ((HttpServiceRuntime) httpServiceRuntime).getRuntimeDTO();
        for (ServletContextDTO sc : rt.servletContextDTOs) {
            for (ServletDTO s : sc.servletDTOs) {
                for (String p : s.patterns) {
                    sb.append("  ").append(sc.contextPath).append(p).append("  -> ").append(s.name).append('\n');
                }
            }
            for (ResourceDTO r : sc.resourceDTOs) {
                for (String p : r.patterns) {
                    sb.append("  ").append(sc.contextPath).append(p).append("  -> resource ").append(r.prefix).append('\n');
                }
            }
        }
        if (rt.failedServletDTOs.length > 0) {
            sb.append("  failed servlets: ").append(rt.failedServletDTOs.length).append('\n');
        }
        return sb.toString();
    }
}
