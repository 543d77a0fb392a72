package org.flowlens.decoder.ipfix;

/** What one observation domain (IPFIX) or source id (NetFlow v9) of an exporter has told us. */
final class DomainState {
    static final int MAX_SAMPLERS = 256;
    static final int MAX_INTERFACE_RATES = 1024;

    final long id;
    final IntMap<Template> templates = new IntMap<>();
    /** Sampling rate per sampler (selector) id, from options data. */
    final LongLongMap samplerRates = new LongLongMap(MAX_SAMPLERS);
    /** Sampling rate per ingress interface, from options data scoped to an interface. */
    final LongLongMap interfaceRates = new LongLongMap(MAX_INTERFACE_RATES);
    /** Sampling rate for the whole domain (options scoped to the system or domain); 0 when none. */
    long defaultRate;
    /** IPFIX systemInitTimeMilliseconds from options data; 0 when unknown. */
    long systemInitMillis;
    boolean sequenceKnown;
    int expectedSequence;

    DomainState(long id) {
        this.id = id;
    }
}
