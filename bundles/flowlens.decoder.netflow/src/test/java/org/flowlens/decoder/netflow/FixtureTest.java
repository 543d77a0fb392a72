package org.flowlens.decoder.netflow;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

import org.flowlens.api.testing.Corpus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The small captures committed with the tests (see src/test/resources/corpus/README.md): no shared corpus needed. */
class FixtureTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "ndpi-googledns_android10__softflowd-nfv5.pcap",
        "tcpreplay-test__pmacctd-nfv5.pcap",
        "logstash-nfv5-juniper_mx80.pcap"
    })
    void decodesLikeTheReference(String name) throws IOException, URISyntaxException {
        Path pcap = Path.of(FixtureTest.class.getResource("/corpus/" + name).toURI());
        CorpusTest.check(pcap, Corpus.truth(pcap));
    }
}
