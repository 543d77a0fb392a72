package org.flowlens.detect.engine;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data area of the bundle a class belongs to, where its components leave state for their next
 * instance: a file is written whole or not at all, and read once.
 */
public final class DataArea {
    private static final Logger LOG = LoggerFactory.getLogger(DataArea.class);

    private DataArea() {}

    /** Writes the content of a state file. */
    public interface Writer {
        void write(DataOutput out) throws IOException;
    }

    /** Reads the content of a state file. */
    public interface Reader {
        /** @param size the file's length, to bound what it may hold */
        void read(DataInputStream in, long size) throws IOException;
    }

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

    /** Writes {@code file} whole or not at all: a temporary file, moved into place once complete. */
    public static void write(Path file, Writer writer) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Reads {@code file} when there is one, then deletes it, whether it was read or refused.
     *
     * @return false when there was no file
     */
    public static boolean readOnce(Path file, Reader reader) throws IOException {
        if (file == null || !Files.isRegularFile(file)) {
            return false;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            reader.read(in, Files.size(file));
            return true;
        } finally {
            try {
                Files.delete(file);
            } catch (IOException e) {
                LOG.warn("Could not delete the used state file {}: {}", file, e.toString());
            }
        }
    }
}
