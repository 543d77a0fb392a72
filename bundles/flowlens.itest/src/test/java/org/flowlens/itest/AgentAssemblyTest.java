package org.flowlens.itest;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** The agent assembly (runtime/agent.bndrun) boots: capture and the forwarder, no HTTP server. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AgentAssemblyTest extends AssemblyBoot {
    @Override
    String bndrun() {
        return "agent.bndrun";
    }

    @Test
    public void bootsWithCaptureAndForwarderOnly() {
        assertBootsWith(new String[] {"flowlens.capture.pcap", "flowlens.forward", "flowlens.pipeline"},
                new String[] {"org.apache.felix.http.jetty12", "flowlens.web", "flowlens.aggregate"});
    }
}
