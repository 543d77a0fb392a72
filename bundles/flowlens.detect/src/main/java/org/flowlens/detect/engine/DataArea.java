package org.flowlens.detect.engine;

import java.io.File;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/** The data area of the bundle a class belongs to: where its components leave state for their next instance. */
public final class DataArea {
    private DataArea() {}

    /** A file in the data area, or null outside a framework. */
    public static Path file(Class<?> type, String name) {
        Bundle b = FrameworkUtil.getBundle(type);
        BundleContext c = b == null ? null : b.getBundleContext();
        File f = c == null ? null : c.getDataFile(name.replaceAll("[^A-Za-z0-9._-]", "_"));
        return f == null ? null : f.toPath();
    }

    /** Whether the bundle of {@code type} is stopping (false outside a framework). */
    public static boolean stopping(Class<?> type) {
        Bundle b = FrameworkUtil.getBundle(type);
        return b != null && b.getState() == Bundle.STOPPING;
    }
}
