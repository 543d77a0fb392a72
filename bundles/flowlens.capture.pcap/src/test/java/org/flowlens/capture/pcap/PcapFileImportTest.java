package org.flowlens.capture.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.flowlens.pcap.LinkTypes;
import org.flowlens.pcap.PcapWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileImportTest {

    @TempDir
    Path dir;

    final List<FlowRecord> records = new ArrayList<>();

    /** {@code sessions} UDP sessions of {@code perSession} packets each, 10 ms apart. */
    Path write(int sessions, int perSession) throws IOException {
        Path f = dir.resolve("udp.pcap");
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 32);
        try (PcapWriter w = PcapWriter.create(f, LinkTypes.ETHERNET, 65535, true)) {
            long ts = 1_700_000_000_000_000_000L;
            for (int p = 0; p < perSession; p++) {
                for (int s = 0; s < sessions; s++) {
                    b.clear();
                    b.putLong(0, 0x0000_0102_0304_0506L).putInt(6, 0x0A0B0C0D).putShort(10, (short) 0x0E0F)
                            .putShort(12, (short) 0x0800);
                    b.put(14, (byte) 0x45).putShort(16, (short) 60).put(22, (byte) 64).put(23, (byte) 17)
                            .putInt(26, 0x0A000000 + s).putInt(30, 0x08080808);
                    b.putShort(34, (short) (10000 + s)).putShort(36, (short) 53).putShort(38, (short) 40);
                    w.write(ts, b.array(), 0, b.capacity());
                    ts += 10_000_000L;
                }
            }
        }
        return f;
    }

    @Test
    void importsAFileAsFastAsPossible() throws IOException {
        Path f = write(50, 4);
        // as the import component meters files by default: each session reported once, when it ends
        PcapFileImport imp = new PcapFileImport(f, PcapFileImport.Speed.FAST, new MeterSettings().updateMillis(0),
                new DomainTable(100, 0, 10), batch -> batch.forEach(records::add));
        ImportProgress p = imp.run();
        assertTrue(p.done());
        assertNull(p.error());
        assertEquals(200, p.packets());
        assertEquals(Files.size(f), p.position());
        assertEquals(100.0, p.percent());
        assertEquals(50, p.records());
        assertEquals(0, p.undecodable());
        assertEquals(0, p.truncated());
        assertTrue(p.packetsPerSecond() > 0);
        assertEquals(50, records.size());
        for (FlowRecord r : records) {
            assertEquals(4, r.packets());
            assertEquals(4 * 60, r.bytes());
            assertEquals(53, r.dstPort());
        }
    }

    @Test
    void importsAtTheRecordedSpeed() throws IOException {
        Path f = write(3, 2); // six packets, 50 ms of capture
        PcapFileImport imp = new PcapFileImport(f, PcapFileImport.Speed.RECORDED, new MeterSettings(),
                new DomainTable(100, 0, 10), batch -> batch.forEach(records::add));
        ImportProgress p = imp.run();
        assertEquals(6, p.packets());
        assertEquals(3, records.size());
    }

    @Test
    void aCancelledImportStillReportsItsSessions() throws IOException {
        Path f = write(10, 100);
        PcapFileImport[] holder = new PcapFileImport[1];
        // cancel from the sink when the first record comes (a session older than 1 s at 1.0 s of capture)
        MeterSettings s = new MeterSettings().activeSeconds(1).batchSize(1);
        PcapFileImport imp = new PcapFileImport(f, PcapFileImport.Speed.FAST, s, new DomainTable(100, 0, 10), batch -> {
            batch.forEach(records::add);
            holder[0].cancel();
        });
        holder[0] = imp;
        ImportProgress p = imp.run();
        assertTrue(imp.cancelled());
        assertTrue(p.packets() < 1000, "stopped early: " + p.packets());
        long inRecords = records.stream().mapToLong(FlowRecord::packets).sum();
        assertEquals(p.packets(), inRecords, "every packet read is in a record");
    }

    @Test
    void aFileThatIsNotACaptureIsAClearError() throws IOException {
        Path f = dir.resolve("notes.txt");
        Files.writeString(f, "hello, not a capture");
        PcapFileImport imp = new PcapFileImport(f, PcapFileImport.Speed.FAST, new MeterSettings(),
                new DomainTable(10, 0, 10), batch -> { });
        IOException e = assertThrows(IOException.class, imp::run);
        assertTrue(e.getMessage().contains("not a pcap or pcapng file"), e.getMessage());
        assertTrue(imp.progress().done());
        assertEquals(e.getMessage(), imp.progress().error());
    }

    @Test
    void importsACorpusCaptureWithItsTotals() throws IOException {
        String env = System.getenv("FLOWLENS_CORPUS");
        Path corpus = env != null && !env.isEmpty() ? Paths.get(env) : Paths.get("../../../shared/corpus");
        Path f = corpus.resolve("inputs/in-ndpi-teams.pcap");
        Assumptions.assumeTrue(Files.exists(f), "shared corpus absent: skipped");
        PcapFileImport imp = new PcapFileImport(f, PcapFileImport.Speed.FAST, MeterSettings.softflowdOffline(),
                new DomainTable(1000, 60, 86400), batch -> batch.forEach(records::add));
        ImportProgress p = imp.run();
        assertEquals(1540, p.packets());
        assertEquals(42, p.undecodable(), "the 42 non-IP frames");
        assertEquals(157, p.records(), "softflowd's record count");
        assertEquals(655_687, records.stream().mapToLong(FlowRecord::bytes).sum());
        assertTrue(records.stream().anyMatch(r -> "teams.microsoft.com".equals(r.dstDomain())));
    }
}
