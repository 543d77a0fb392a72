package org.flowlens.itest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/** Bundle operations as FileInstall performs them on a jar in plugins/: update from the jar, then refresh. */
final class Bundles {
    private Bundles() {}

    static Bundle find(BundleContext context, String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    static Bundle get(BundleContext context, String symbolicName) {
        Bundle b = find(context, symbolicName);
        if (b == null) {
            throw new AssertionError(symbolicName + " is not installed");
        }
        return b;
    }

    /** The jar a bundle was installed from (the assembly installs from files). */
    static Path jar(Bundle b) {
        return Paths.get(URI.create(b.getLocation()));
    }

    /** Updates the bundle from {@code jar} and refreshes it, as FileInstall does when the jar in plugins/ changes. */
    static void updateFrom(BundleContext context, Bundle b, Path jar) throws IOException, BundleException, InterruptedException {
        try (InputStream in = Files.newInputStream(jar)) {
            b.update(in);
        }
        refresh(context, b);
    }

    static void refresh(BundleContext context, Bundle b) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("refresh of " + b.getSymbolicName() + " did not finish");
        }
    }

    /** The same jar with another Bundle-Version: a new version of the plugin. */
    static Path withVersion(Path jar, String version) throws IOException {
        Path out = Files.createTempFile(Assembly.work(), jar.getFileName().toString().replace(".jar", "-") + version, ".jar");
        try (InputStream in = Files.newInputStream(jar); JarInputStream j = new JarInputStream(in)) {
            Manifest m = j.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", version);
            try (OutputStream o = Files.newOutputStream(out); JarOutputStream w = new JarOutputStream(o, m)) {
                for (JarEntry e = j.getNextJarEntry(); e != null; e = j.getNextJarEntry()) {
                    w.putNextEntry(new JarEntry(e.getName()));
                    j.transferTo(w);
                    w.closeEntry();
                }
            }
        }
        return out;
    }
}
