package org.flowlens.web;

import java.util.Locale;

/** What a signed-in user, an API token or an anonymous visitor may do. */
enum Role {
    /** Scripts and agents that only send flows: {@code POST /ingest}. */
    INGEST,
    /** Reads every page and API answer, changes nothing. */
    VIEWER,
    /** Everything: ingest, acknowledge alerts, start and stop capture, the Felix Web Console. */
    ADMIN;

    boolean canRead() {
        return this != INGEST;
    }

    boolean canIngest() {
        return this != VIEWER;
    }

    boolean canAdminister() {
        return this == ADMIN;
    }

    static Role parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "viewer":
                return VIEWER;
            case "admin":
                return ADMIN;
            case "ingest":
                return INGEST;
            default:
                throw new IllegalArgumentException("unknown role '" + text + "' (viewer, admin or ingest)");
        }
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
