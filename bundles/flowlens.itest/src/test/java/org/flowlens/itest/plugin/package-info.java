/**
 * Misbehaving consumer plugins: the failure isolation test builds them into a bundle of their own
 * and drops it into plugins/ of a running runtime.
 */
package org.flowlens.itest.plugin;
