package org.flowlens.decoder.ipfix;

/** The configuration a template decoder works with, swapped as a whole when it changes. */
record Settings(
        long templateLifetimeMillis,
        int pendingMaxBytes,
        long pendingMaxAgeMillis,
        boolean portInKey,
        int maxTemplatesPerExporter,
        int maxExporters,
        boolean applySampling) {

    static final Settings DEFAULTS = new Settings(1_800_000L, 256 * 1024, 30_000L, false, 1024, 10_000, true);

    /** Null when valid, else what is wrong. */
    static String validate(long lifetimeSeconds, long pendingBytes, long pendingSeconds, long maxTemplates, long maxExporters) {
        if (lifetimeSeconds < 1) {
            return "templateLifetimeSeconds must be at least 1, was " + lifetimeSeconds;
        }
        if (pendingBytes < 0 || pendingBytes > 64L * 1024 * 1024) {
            return "pendingMaxBytes must be between 0 and 67108864, was " + pendingBytes;
        }
        if (pendingSeconds < 0) {
            return "pendingMaxAgeSeconds must not be negative, was " + pendingSeconds;
        }
        if (maxTemplates < 1 || maxTemplates > 65_536) {
            return "maxTemplatesPerExporter must be between 1 and 65536, was " + maxTemplates;
        }
        if (maxExporters < 1) {
            return "maxExporters must be at least 1, was " + maxExporters;
        }
        return null;
    }
}
