package org.flowlens.api.alert;

/**
 * An operator's acknowledgement of an alert.
 *
 * @param by who acknowledged, e.g. the console user name
 * @param note free text, may be empty
 * @param millis when, epoch milliseconds
 */
public record Acknowledgement(String by, String note, long millis) {}
