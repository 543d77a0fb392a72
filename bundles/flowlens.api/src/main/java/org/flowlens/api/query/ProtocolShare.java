package org.flowlens.api.query;

/**
 * The traffic of one IP protocol within a larger group.
 *
 * @param protocol IANA protocol number
 * @param name its name, see {@link org.flowlens.api.flow.Protocols#name(int)}
 */
public record ProtocolShare(int protocol, String name, long bytes, long packets, long flows) {}
