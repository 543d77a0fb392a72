package org.flowlens.store.sql;

import java.util.ArrayList;
import java.util.List;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;

/**
 * Deterministic test traffic: every record carries its number in {@code observationDomain}, and
 * no two records tie on the fields the store orders pages by, so the expected page of any search
 * can be computed here.
 */
public final class Traffic {
    public static final String[] EXPORTERS = {"192.0.2.254", "198.51.100.1", "2001:db8:ff::1"};
    private static final int[] PROTOCOLS = {6, 6, 6, 17, 17, 1, 58, 47};
    private static final int[] SERVICES = {443, 80, 53, 22, 123, 8080};
    private static final String[] COUNTRIES = {"US", "DE", "FR", null, "PRIVATE"};

    private Traffic() {}

    /** The source address of record {@code id}: 10.0.0.x for most, 2001:db8::x for every 7th. */
    public static String src(int id) {
        return id % 7 == 3 ? "2001:db8::" + Integer.toHexString(1 + id % 13) : "10.0." + (id % 3) + "." + (1 + id % 17);
    }

    public static String dst(int id) {
        return id % 7 == 3 ? "2001:db8:1::" + Integer.toHexString(1 + id % 5) : "192.0.2." + (1 + (id * 7) % 23);
    }

    /**
     * {@code n} records spread evenly over {@code [fromMillis, toMillis)}; record times repeat in
     * pairs so that the order of equal times is exercised.
     */
    public static List<FlowRecord> records(int n, long fromMillis, long toMillis) {
        List<FlowRecord> out = new ArrayList<>(n);
        long span = toMillis - fromMillis;
        for (int id = 0; id < n; id++) {
            long t = fromMillis + (span * (id / 2 * 2)) / n;
            out.add(record(id, t));
        }
        return out;
    }

    public static FlowRecord record(int id, long timeMillis) {
        FlowRecord r = new FlowRecord();
        int protocol = PROTOCOLS[id % PROTOCOLS.length];
        long[] s = IpAddresses.parse(src(id));
        long[] d = IpAddresses.parse(dst(id));
        long[] e = IpAddresses.parse(EXPORTERS[id % EXPORTERS.length]);
        r.format(id % 2 == 0 ? "netflow_v9" : "ipfix").receivedMillis(timeMillis).startMillis(timeMillis - 1_000 - id % 500)
                .endMillis(timeMillis - id % 100).exporter(e[0], e[1]).observationDomain(id).samplerId(id % 4)
                .samplingRate(1 + id % 3).inIf(1 + id % 5).outIf(10 + id % 3).direction(id % 3 - 1)
                .src(s[0], s[1]).dst(d[0], d[1]).protocol(protocol).tcpFlags(protocol == 6 ? 0x1B : 0).tos(id % 4 * 8)
                .bytes(40 + (id * 7919L) % 150_000).packets(1 + id % 97).srcAs(64_500 + id % 10).dstAs(15_169)
                .srcMask(24).dstMask(id % 2 == 0 ? 16 : 32).vlan(id % 4095).srcMac(0x0200_0000_0000L + id).dstMac(0x0200_0000_FFFFL)
                .srcCountry(COUNTRIES[id % COUNTRIES.length]).dstCountry(COUNTRIES[(id + 2) % COUNTRIES.length])
                .srcAsName(id % 5 == 0 ? null : "AS " + (64_500 + id % 10)).dstAsName("GOOGLE")
                .dstDomain(id % 4 == 0 ? "www.example.com" : null).inIfName("ge-0/0/" + id % 5).outIfName(null);
        if (protocol == 6 || protocol == 17) {
            int service = SERVICES[id % SERVICES.length];
            int ephemeral = 1_024 + (id * 31) % 60_000;
            if (id % 3 == 0) {
                r.srcPort(service).dstPort(ephemeral);
            } else {
                r.srcPort(ephemeral).dstPort(service);
            }
        }
        if (id % 5 == 1) {
            r.srcCity("Berlin").srcLocation(52.52f, 13.405f);
        }
        return r;
    }

    /** The records in batches of {@code size}. */
    public static List<FlowBatch> batches(List<FlowRecord> records, int size) {
        List<FlowBatch> out = new ArrayList<>();
        FlowBatch b = new FlowBatch(size);
        for (FlowRecord r : records) {
            b.add(r);
            if (b.size() == size) {
                out.add(b);
                b = new FlowBatch(size);
            }
        }
        if (!b.isEmpty()) {
            out.add(b);
        }
        return out;
    }

    /** Every field, for comparing records. */
    public static String describe(FlowRecord r) {
        return String.join("|", String.valueOf(r.format()), "" + r.receivedMillis(), "" + r.startMillis(), "" + r.endMillis(),
                r.exporterHi() + "/" + r.exporterLo(), "" + r.observationDomain(), "" + r.samplerId(), "" + r.samplingRate(),
                "" + r.inIf(), "" + r.outIf(), "" + r.direction(), r.srcHi() + "/" + r.srcLo(), r.dstHi() + "/" + r.dstLo(),
                "" + r.srcPort(), "" + r.dstPort(), "" + r.protocol(), "" + r.tcpFlags(), "" + r.tos(), "" + r.bytes(),
                "" + r.packets(), "" + r.srcAs(), "" + r.dstAs(), "" + r.srcMask(), "" + r.dstMask(),
                r.nextHopHi() + "/" + r.nextHopLo(), "" + r.vlan(), "" + r.srcMac(), "" + r.dstMac(), String.valueOf(r.srcCountry()),
                String.valueOf(r.dstCountry()), String.valueOf(r.srcCity()), String.valueOf(r.dstCity()), "" + r.srcLatitude(),
                "" + r.srcLongitude(), "" + r.dstLatitude(), "" + r.dstLongitude(), String.valueOf(r.srcAsName()),
                String.valueOf(r.dstAsName()), String.valueOf(r.srcDomain()), String.valueOf(r.dstDomain()),
                String.valueOf(r.inIfName()), String.valueOf(r.outIfName()));
    }
}
