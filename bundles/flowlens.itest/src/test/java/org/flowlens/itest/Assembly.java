package org.flowlens.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.ops4j.pax.exam.Option;

import aQute.bnd.header.Attrs;
import aQute.bnd.header.OSGiHeader;
import aQute.bnd.header.Parameters;
import aQute.bnd.osgi.Processor;
import aQute.bnd.version.VersionRange;

/**
 * Pax Exam options for an assembly: the bundles listed in the resolved bndrun's
 * {@code -runbundles}, provisioned from the files Maven copied to {@code target/bundles}, and the
 * bndrun's {@code -runproperties}, with the working directories moved under {@code target/}.
 */
final class Assembly {
    static final int HTTP_PORT = Integer.getInteger("flowlens.itest.port", 18080);

    private Assembly() {}

    static Path work() {
        return Paths.get(System.getProperty("flowlens.work", "target/itest")).toAbsolutePath();
    }

    /** The default runtime ({@code runtime/flowlens.bndrun}, or the one {@code -Dflowlens.bndrun} names). */
    static Option[] defaultRuntime() {
        return of(System.getProperty("flowlens.bndrun", "../../runtime/flowlens.bndrun"));
    }

    static Option[] of(String bndrun) {
        try (Processor p = new Processor()) {
            p.setProperties(new File(bndrun));
            List<Option> options = new ArrayList<>();
            Map<String, List<Path>> jars = jarsBySymbolicName(Paths.get(System.getProperty("flowlens.bundles", "target/bundles")));
            Parameters runbundles = new Parameters(p.mergeProperties("-runbundles"));
            if (runbundles.isEmpty()) {
                throw new IllegalStateException(bndrun + " has no -runbundles: run the build (mvn package) so the resolver writes them");
            }
            for (Map.Entry<String, Attrs> e : runbundles.entrySet()) {
                String bsn = Processor.removeDuplicateMarker(e.getKey());
                VersionRange range = new VersionRange(e.getValue().getVersion());
                Path jar = find(jars, bsn, range);
                options.add(bundle(jar.toUri().toString()).start());
            }
            Path work = work();
            deleteTree(work);
            Path plugins = work.resolve("plugins");
            Path config = work.resolve("config");
            Files.createDirectories(plugins);
            Files.createDirectories(config);
            Map<String, String> props = new HashMap<>(OSGiHeader.parseProperties(p.mergeProperties("-runproperties")));
            props.put("felix.fileinstall.dir", plugins + "," + config);
            props.put("felix.fileinstall.poll", "100");
            props.put("felix.cm.dir", work.resolve("cm").toString());
            props.put("org.osgi.service.http.port", Integer.toString(HTTP_PORT));
            props.put("org.apache.felix.configadmin.plugin.interpolation.secretsdir", work.resolve("secrets").toString());
            props.remove("org.osgi.framework.storage");
            props.forEach((k, v) -> options.add(frameworkProperty(k).value(v)));
            options.add(junitBundles());
            return options.toArray(new Option[0]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + bndrun, e);
        }
    }

    /**
     * Flowlens components that are not active, with their states; a component that requires a
     * configuration and has none is simply not configured and does not count.
     */
    static List<String> inactiveComponents(org.osgi.service.component.runtime.ServiceComponentRuntime scr) {
        List<String> out = new ArrayList<>();
        for (org.osgi.service.component.runtime.dto.ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!d.bundle.symbolicName.startsWith("flowlens.") || !scr.isComponentEnabled(d)) {
                continue;
            }
            var configs = scr.getComponentConfigurationDTOs(d);
            boolean ok = !configs.isEmpty() || "require".equals(d.configurationPolicy);
            for (var c : configs) {
                ok &= c.state == org.osgi.service.component.runtime.dto.ComponentConfigurationDTO.ACTIVE
                        || c.state == org.osgi.service.component.runtime.dto.ComponentConfigurationDTO.SATISFIED;
            }
            if (!ok) {
                out.add(d.name + " " + configs.stream().map(c -> Integer.toString(c.state)).toList());
            }
        }
        return out;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }

    private static Map<String, List<Path>> jarsBySymbolicName(Path dir) throws IOException {
        Map<String, List<Path>> out = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jar"))::iterator) {
                try (JarFile jar = new JarFile(f.toFile())) {
                    Manifest m = jar.getManifest();
                    String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
                    if (bsn != null) {
                        out.computeIfAbsent(bsn.split(";")[0].trim(), k -> new ArrayList<>()).add(f);
                    }
                }
            }
        }
        return out;
    }

    private static Path find(Map<String, List<Path>> jars, String bsn, VersionRange range) throws IOException {
        for (Path f : jars.getOrDefault(bsn, List.of())) {
            try (JarFile jar = new JarFile(f.toFile())) {
                String v = jar.getManifest().getMainAttributes().getValue("Bundle-Version");
                if (range.includes(new aQute.bnd.version.Version(v == null ? "0" : v.trim()))) {
                    return f;
                }
            }
        }
        throw new IllegalStateException("no jar for " + bsn + " " + range + " among the copied dependencies");
    }
}
