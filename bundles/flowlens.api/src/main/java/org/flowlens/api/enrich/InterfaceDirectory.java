package org.flowlens.api.enrich;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The configured interfaces of the exporters (exporter address + SNMP ifIndex → name, speed), so
 * the console and the Prometheus exporter can show utilisation in percent of the line rate.
 */
@ProviderType
public interface InterfaceDirectory {
    /**
     * @param exporterHi high 64 bits of the exporter address (IPv4 as IPv4-mapped)
     * @param exporterLo low 64 bits
     * @param ifIndex the interface index the exporter reports
     * @return the interface, or null when none is configured for that exporter and index
     */
    InterfaceInfo find(long exporterHi, long exporterLo, int ifIndex);
}
