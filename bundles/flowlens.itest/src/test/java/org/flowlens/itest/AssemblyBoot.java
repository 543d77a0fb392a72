package org.flowlens.itest;

import static org.junit.Assert.assertTrue;

import javax.inject.Inject;

import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.runtime.ServiceComponentRuntime;

/** What every assembly test checks: it resolves, boots, and every Flowlens component in it is active. */
abstract class AssemblyBoot {
    @Inject
    BundleContext context;
    @Inject
    ServiceComponentRuntime scr;

    /** The bndrun file under runtime/, e.g. {@code collector.bndrun}. */
    abstract String bndrun();

    @Configuration
    public Option[] config() {
        return Assembly.of(System.getProperty("flowlens.runtimeDir", "../../runtime") + "/" + bndrun());
    }

    void assertBootsWith(String[] present, String[] absent) {
        Await.until("all Flowlens components active", 30_000, () -> Assembly.inactiveComponents(scr).isEmpty(), () -> Assembly.inactiveComponents(scr).toString());
        for (String bsn : present) {
            assertTrue(bsn + " is part of " + bndrun(), installed(bsn));
        }
        for (String bsn : absent) {
            assertTrue(bsn + " is not part of " + bndrun(), !installed(bsn));
        }
    }

    boolean installed(String bsn) {
        for (Bundle b : context.getBundles()) {
            if (bsn.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                return true;
            }
        }
        return false;
    }
}
