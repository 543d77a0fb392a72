package org.flowlens.api.enrich;

/**
 * A configured interface of an exporter.
 *
 * @param name the interface name (a shared, interned instance)
 * @param speedBitsPerSecond the line rate, 0 when not configured
 */
public record InterfaceInfo(String name, long speedBitsPerSecond) {}
