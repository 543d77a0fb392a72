package org.flowlens.store.sql;

/** An engine could not read or write: I/O, SQL or server error. The message says which. */
public class StoreException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
