package org.flowlens.decoder.ipfix;

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
        "ndpi-googledns_android10__softflowd-nfv9.pcap",
        "ndpi-googledns_android10__pmacctd-ipfix.pcap",
        "logstash-nfv9-cisco_asa2.pcap",
        "logstash-ipfix-mikrotik.pcap"
    })
    void decodesLikeTheReference(String name) throws IOException, URISyntaxException {
        Path pcap = Path.of(FixtureTest.class.getResource("/corpus/" + name).toURI());
        CorpusTest.check(pcap, Corpus.truth(pcap));
    }
}
