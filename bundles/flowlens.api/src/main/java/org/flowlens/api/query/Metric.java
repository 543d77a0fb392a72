package org.flowlens.api.query;

/** What a ranking is ordered by. */
public enum Metric {
    BYTES, PACKETS, FLOWS;

    /** The value of this metric among the three. */
    public long of(long bytes, long packets, long flows) {
        return switch (this) {
            case BYTES -> bytes;
            case PACKETS -> packets;
            case FLOWS -> flows;
        };
    }
}
