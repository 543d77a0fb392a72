package org.flowlens.system;

import org.osgi.framework.BundleContext;

/** The debug switch: {@code -Dflowlens.debug=true} on the command line or {@code FLOWLENS_DEBUG=1} in the environment. */
final class DebugSwitch {
    private DebugSwitch() {}

    static boolean on(BundleContext context) {
        return truthy(context.getProperty("flowlens.debug")) || truthy(System.getenv("FLOWLENS_DEBUG"));
    }

    static boolean truthy(String v) {
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1") || v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("on"));
    }
}
