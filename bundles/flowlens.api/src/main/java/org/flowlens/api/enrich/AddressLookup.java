package org.flowlens.api.enrich;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Looks up what the enricher knows about an address, through the same cache the enricher uses.
 * For the console and the REST API (host details), not for per-record work: enrichers already
 * put the fields on every record.
 */
@ProviderType
public interface AddressLookup {
    /**
     * @param hi high 64 bits of the address (IPv4 as IPv4-mapped, see
     *        {@link org.flowlens.api.flow.IpAddresses})
     * @param lo low 64 bits
     * @return never null; {@link AddressInfo#UNKNOWN} when nothing is known
     */
    AddressInfo lookup(long hi, long lo);

    /**
     * The notices the licences of the data in use ask for (for example "This product includes
     * GeoLite2 data created by MaxMind"), for the console to show; empty when no data is loaded.
     */
    List<String> attributions();
}
