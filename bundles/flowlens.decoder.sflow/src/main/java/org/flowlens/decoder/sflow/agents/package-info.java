/**
 * What the sFlow decoder learns about its agents besides traffic: per agent and sub-agent the
 * datagram and sample accounting (sequence gaps, drops the agent reported, sample-pool coverage),
 * and the latest generic interface counters per interface. The console and the REST API read them
 * through the {@link org.flowlens.decoder.sflow.agents.SflowAgents} service.
 */
@Export
@Version("1.0.0")
package org.flowlens.decoder.sflow.agents;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
