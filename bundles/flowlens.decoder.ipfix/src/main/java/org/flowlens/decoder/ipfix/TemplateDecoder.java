package org.flowlens.decoder.ipfix;

import static org.flowlens.decoder.ipfix.Fields.*;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.flowlens.api.config.Configs;
import org.flowlens.api.decode.DecodeContext;
import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.flow.FlowRecord;
import org.flowlens.api.flow.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template machinery shared by NetFlow v9 (RFC 3954) and IPFIX (RFC 7011): sets, template and
 * options template records compiled into plans, data records decoded by walking a plan, options
 * data turned into sampling state, data that arrives before its template held back for a while.
 *
 * <p>State is kept per exporter (address, optionally with the UDP port) and, inside, per
 * observation domain (IPFIX) or source id (v9). Every piece of it is capped: exporters, domains
 * per exporter, templates per exporter, bytes of pending data per exporter, samplers per domain.
 * A datagram never makes the decoder throw; what it cannot decode is counted by reason.
 */
final class TemplateDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateDecoder.class);
    static final String TRUNCATED = "truncated";
    static final String BAD_LENGTH = "bad_length";
    static final String BAD_VERSION = "bad_version";
    static final String BAD_TEMPLATE = "bad_template";
    static final String BAD_SET = "bad_set";
    static final String UNKNOWN_TEMPLATE = "unknown_template";
    static final String TEMPLATE_LIMIT = "template_limit";
    static final String DECODER_ERROR = "decoder_error";

    /** Fields per template; real templates have tens. */
    static final int MAX_FIELDS = 1024;
    /** A jump this large is an exporter restart, not a loss. */
    static final long MAX_GAP = 10_000_000L;

    private static final long NTP_TO_UNIX_SECONDS = 2_208_988_800L;
    private static final long TWO_32 = 1L << 32;
    private static final Object NO_EXPORTER = new Object();

    // flags of what a data record carried
    private static final int H_BYTES = 1, H_PACKETS = 1 << 1, H_BYTES_TOTAL = 1 << 2, H_PACKETS_TOTAL = 1 << 3,
            H_NSEL_BYTES = 1 << 4, H_NSEL_PACKETS = 1 << 5, H_TOS = 1 << 6, H_IN = 1 << 7, H_OUT = 1 << 8,
            H_VLAN = 1 << 9, H_SRC_MAC = 1 << 10, H_DST_MAC = 1 << 11, H_SAMPLER = 1 << 12, H_DST_PORT = 1 << 13,
            H_NEXT_HOP = 1 << 14, H_START = 1 << 15, H_END = 1 << 16, H_FIRST_UP = 1 << 17, H_LAST_UP = 1 << 18,
            H_ICMP = 1 << 19, H_INIT = 1 << 20, H_SCOPE_IF = 1 << 21;

    private final boolean ipfix;
    private final String format;
    private final int headerLength;
    private final int templateSetId, optionsSetId;
    private volatile Settings settings = Settings.DEFAULTS;
    private final Map<Object, ExporterState> exporters = new ConcurrentHashMap<>();

    TemplateDecoder(boolean ipfix) {
        this.ipfix = ipfix;
        this.format = ipfix ? "ipfix" : "netflow_v9";
        this.headerLength = ipfix ? 16 : 20;
        this.templateSetId = ipfix ? 2 : 0;
        this.optionsSetId = ipfix ? 3 : 1;
    }

    /** Applies a configuration, or refuses it with a log line and keeps the current one. */
    void configure(TemplateDecoderConfig c, String protocol) {
        String problem = problem(c);
        if (problem != null) {
            LOG.error("{} decoder configuration refused ({}); keeping the previous configuration", protocol, problem);
            return;
        }
        settings(new Settings(c.templateLifetimeSeconds() * 1000L, c.pendingMaxBytes(), c.pendingMaxAgeSeconds() * 1000L,
                c.exporterPortInKey(), c.maxTemplatesPerExporter(), c.maxExporters(), c.applySampling()));
        LOG.info("{} decoder configured: {}", protocol, settings());
    }

    /** What is wrong with a configuration, null when nothing is. */
    static String problem(TemplateDecoderConfig c) {
        return Settings.validate(c.templateLifetimeSeconds(), c.pendingMaxBytes(), c.pendingMaxAgeSeconds(),
                c.maxTemplatesPerExporter(), c.maxExporters());
    }

    /** {@link #problem(TemplateDecoderConfig)} of configuration properties. */
    static String problem(Map<String, Object> properties) {
        return problem(Configs.of(TemplateDecoderConfig.class, properties));
    }

    void settings(Settings s) {
        settings = s;
    }

    Settings settings() {
        return settings;
    }

    int exporterCount() {
        return exporters.size();
    }

    /** Templates held for all exporters (for tests and status). */
    int templateCount() {
        int n = 0;
        for (ExporterState e : exporters.values()) {
            synchronized (e) {
                n += e.templateCount;
            }
        }
        return n;
    }

    /** Bytes of data sets waiting for their template, over all exporters. */
    int pendingBytes() {
        int n = 0;
        for (ExporterState e : exporters.values()) {
            synchronized (e) {
                n += e.pendingBytes;
            }
        }
        return n;
    }

    void decode(ByteBuffer datagram, DecodeContext ctx, FlowBatch out) {
        int before = out.size();
        try {
            ByteBuffer b = datagram.order() == ByteOrder.BIG_ENDIAN ? datagram : datagram.duplicate().order(ByteOrder.BIG_ENDIAN);
            message(b, ctx, out);
        } catch (RuntimeException e) {
            // Every read above is bounds-checked; this only keeps a defect from escaping to the pipeline.
            while (out.size() > before) {
                out.dropLast();
            }
            ctx.drop(DECODER_ERROR, 1);
        }
    }

    private void message(ByteBuffer b, DecodeContext ctx, FlowBatch out) {
        int p0 = b.position();
        int len = b.remaining();
        if (len < headerLength) {
            ctx.drop(TRUNCATED, 1);
            return;
        }
        if ((b.getShort(p0) & 0xFFFF) != (ipfix ? 10 : 9)) {
            ctx.drop(BAD_VERSION, 1);
            return;
        }
        int end = p0 + len;
        long exportMillis;
        int uptime, sequence;
        long domainId;
        if (ipfix) {
            int messageLength = b.getShort(p0 + 2) & 0xFFFF;
            if (messageLength < headerLength) {
                ctx.drop(BAD_LENGTH, 1);
                return;
            }
            if (messageLength > len) {
                ctx.drop(TRUNCATED, 1);
            } else {
                if (messageLength < len) {
                    ctx.drop(BAD_LENGTH, 1); // bytes after the message: not part of it, ignored
                }
                end = p0 + messageLength;
            }
            exportMillis = (b.getInt(p0 + 4) & 0xFFFFFFFFL) * 1000L;
            sequence = b.getInt(p0 + 8);
            domainId = b.getInt(p0 + 12) & 0xFFFFFFFFL;
            uptime = 0;
        } else {
            uptime = b.getInt(p0 + 4);
            exportMillis = (b.getInt(p0 + 8) & 0xFFFFFFFFL) * 1000L;
            sequence = b.getInt(p0 + 12);
            domainId = b.getInt(p0 + 16) & 0xFFFFFFFFL;
        }
        Settings s = settings;
        long now = ctx.receivedMillis();
        ExporterState ex = exporter(ctx.exporter(), s, now);
        synchronized (ex) {
            ex.lastSeen = now;
            if (!ex.pending.isEmpty()) {
                expirePending(ex, s, now, ctx);
            }
            DomainState dom = ex.domain(domainId);
            if (dom == null) {
                ctx.drop(TEMPLATE_LIMIT, 1);
                return;
            }
            ex.exportMillis = exportMillis;
            ex.uptime = uptime;
            long records = 0;
            boolean complete = true;
            int p = p0 + headerLength;
            while (end - p >= 4) {
                int setId = b.getShort(p) & 0xFFFF;
                int setLength = b.getShort(p + 2) & 0xFFFF;
                if (setLength < 4) {
                    ctx.drop(BAD_LENGTH, 1);
                    complete = false;
                    break;
                }
                if (setLength > end - p) {
                    ctx.drop(TRUNCATED, 1);
                    complete = false;
                    break;
                }
                int setEnd = p + setLength;
                if (setId == templateSetId) {
                    templates(b, p + 4, setEnd, false, ex, dom, ctx, out, s, now);
                } else if (setId == optionsSetId) {
                    templates(b, p + 4, setEnd, true, ex, dom, ctx, out, s, now);
                } else if (setId >= 256) {
                    int n = dataSet(b, p + 4, setEnd, setId, ex, dom, ctx, out, s, now, true);
                    if (n < 0) {
                        complete = false;
                    } else {
                        records += n;
                    }
                } else {
                    ctx.drop(BAD_SET, 1);
                }
                p = setEnd;
            }
            sequence(dom, sequence, records, complete, ctx);
        }
    }

    /**
     * NetFlow v9 sequence numbers count export packets; IPFIX ones count data records sent before
     * this message. A message whose record count is unknown (sets without template, damage)
     * leaves the next one to resynchronise.
     */
    private void sequence(DomainState dom, int sequence, long records, boolean complete, DecodeContext ctx) {
        if (dom.sequenceKnown) {
            long gap = (sequence - dom.expectedSequence) & 0xFFFFFFFFL;
            if (gap > 0 && gap < MAX_GAP) {
                ctx.sequenceGap(gap);
            }
        }
        if (ipfix) {
            dom.sequenceKnown = complete;
            dom.expectedSequence = sequence + (int) records;
        } else {
            dom.sequenceKnown = true;
            dom.expectedSequence = sequence + 1;
        }
    }

    private ExporterState exporter(InetSocketAddress address, Settings s, long now) {
        Object key;
        if (address == null) {
            key = NO_EXPORTER;
        } else if (s.portInKey() || address.getAddress() == null) {
            key = address;
        } else {
            key = address.getAddress();
        }
        ExporterState ex = exporters.get(key);
        if (ex != null) {
            return ex;
        }
        if (exporters.size() >= s.maxExporters()) {
            evict(s, now);
        }
        return exporters.computeIfAbsent(key, k -> {
            InetAddress a = address == null ? null : address.getAddress();
            if (a == null) {
                return new ExporterState(0, 0);
            }
            long[] v = IpAddresses.of(a);
            return new ExporterState(v[0], v[1]);
        });
    }

    /** Forgets exporters whose templates have all expired, and the longest silent one while still over the cap. */
    private void evict(Settings s, long now) {
        long idle = Math.max(s.templateLifetimeMillis(), s.pendingMaxAgeMillis());
        Object oldestKey = null;
        long oldest = Long.MAX_VALUE;
        for (Iterator<Map.Entry<Object, ExporterState>> it = exporters.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, ExporterState> e = it.next();
            long seen = e.getValue().lastSeen;
            if (now - seen > idle) {
                it.remove();
            } else if (seen < oldest) {
                oldest = seen;
                oldestKey = e.getKey();
            }
        }
        while (exporters.size() >= s.maxExporters() && oldestKey != null) {
            exporters.remove(oldestKey);
            oldestKey = null;
            oldest = Long.MAX_VALUE;
            for (Map.Entry<Object, ExporterState> e : exporters.entrySet()) {
                if (e.getValue().lastSeen < oldest) {
                    oldest = e.getValue().lastSeen;
                    oldestKey = e.getKey();
                }
            }
        }
    }

    // ---------------------------------------------------------------- templates

    private void templates(ByteBuffer b, int q, int setEnd, boolean options, ExporterState ex, DomainState dom,
            DecodeContext ctx, FlowBatch out, Settings s, long now) {
        while (setEnd - q >= 4) {
            int id = b.getShort(q) & 0xFFFF;
            int count = b.getShort(q + 2) & 0xFFFF;
            Template t;
            if (ipfix) {
                if (count == 0) {
                    // RFC 7011 8.1: withdrawal of one template, or of all (id = the set id)
                    if (id == (options ? 3 : 2)) {
                        withdrawAll(ex, dom, options);
                    } else if (id >= 256) {
                        withdraw(ex, dom, id);
                    } else {
                        ctx.drop(BAD_TEMPLATE, 1);
                    }
                    q += 4;
                    continue;
                }
                int header = options ? 6 : 4;
                if (setEnd - q < header) {
                    ctx.drop(BAD_LENGTH, 1);
                    return;
                }
                int scopes = options ? b.getShort(q + 4) & 0xFFFF : 0;
                if (id < 256 || count > MAX_FIELDS || (options && (scopes == 0 || scopes > count))) {
                    ctx.drop(BAD_TEMPLATE, 1);
                    return;
                }
                q += header;
                byte[] actions = new byte[count];
                int[] lengths = new int[count];
                for (int i = 0; i < count; i++) {
                    if (setEnd - q < 4) {
                        ctx.drop(BAD_LENGTH, 1);
                        return;
                    }
                    int ie = b.getShort(q) & 0xFFFF;
                    int length = b.getShort(q + 2) & 0xFFFF;
                    q += 4;
                    if ((ie & 0x8000) != 0) {
                        // enterprise-specific: skipped by its length
                        if (setEnd - q < 4) {
                            ctx.drop(BAD_LENGTH, 1);
                            return;
                        }
                        q += 4;
                        actions[i] = SKIP;
                    } else if (!options) {
                        actions[i] = Fields.data(ie, length);
                    } else {
                        actions[i] = i < scopes ? Fields.ipfixScope(ie, length) : Fields.option(ie, length);
                    }
                    lengths[i] = length;
                }
                if (!options) {
                    Fields.firstOccurrenceOnly(actions);
                }
                t = new Template(id, options, actions, lengths, true, now);
            } else if (!options) {
                if (id < 256) {
                    if (id != 0 || count != 0) {
                        ctx.drop(BAD_TEMPLATE, 1);
                    }
                    return; // zeros: padding
                }
                if (count == 0 || count > MAX_FIELDS) {
                    ctx.drop(BAD_TEMPLATE, 1);
                    return;
                }
                if ((setEnd - q - 4) / 4 < count) {
                    ctx.drop(BAD_LENGTH, 1);
                    return;
                }
                q += 4;
                byte[] actions = new byte[count];
                int[] lengths = new int[count];
                for (int i = 0; i < count; i++, q += 4) {
                    // v9 field types are plain 16-bit numbers: no enterprise bit
                    lengths[i] = b.getShort(q + 2) & 0xFFFF;
                    actions[i] = Fields.data(b.getShort(q) & 0xFFFF, lengths[i]);
                }
                Fields.firstOccurrenceOnly(actions);
                t = new Template(id, false, actions, lengths, false, now);
            } else {
                if (setEnd - q < 6) {
                    return; // padding
                }
                int scopeLength = count;
                int optionLength = b.getShort(q + 4) & 0xFFFF;
                if (id < 256) {
                    if (id != 0 || scopeLength != 0 || optionLength != 0) {
                        ctx.drop(BAD_TEMPLATE, 1);
                    }
                    return;
                }
                if (scopeLength % 4 != 0 || optionLength % 4 != 0 || scopeLength + optionLength == 0
                        || (scopeLength + optionLength) / 4 > MAX_FIELDS) {
                    ctx.drop(BAD_TEMPLATE, 1);
                    return;
                }
                q += 6;
                if (setEnd - q < scopeLength + optionLength) {
                    ctx.drop(BAD_LENGTH, 1);
                    return;
                }
                int scopes = scopeLength / 4;
                int n = scopes + optionLength / 4;
                byte[] actions = new byte[n];
                int[] lengths = new int[n];
                for (int i = 0; i < n; i++, q += 4) {
                    int type = b.getShort(q) & 0xFFFF;
                    lengths[i] = b.getShort(q + 2) & 0xFFFF;
                    actions[i] = i < scopes ? Fields.v9Scope(type, lengths[i]) : Fields.option(type, lengths[i]);
                }
                t = new Template(id, true, actions, lengths, false, now);
            }
            store(t, ex, dom, ctx, out, s, now);
        }
    }

    private void store(Template t, ExporterState ex, DomainState dom, DecodeContext ctx, FlowBatch out, Settings s, long now) {
        if (t.minLength == 0) {
            ctx.drop(BAD_TEMPLATE, 1); // records of zero bytes: nothing to decode, and no end to it
            return;
        }
        Template old = dom.templates.get(t.id);
        if (old == null) {
            if (ex.templateCount >= s.maxTemplatesPerExporter()) {
                ctx.drop(TEMPLATE_LIMIT, 1);
                return;
            }
            ex.templateCount++;
            dom.templates.put(t.id, t);
        } else if (old.sameAs(t)) {
            old.lastSeen = now;
        } else {
            dom.templates.put(t.id, t); // redefinition replaces
        }
        if (!ex.pending.isEmpty()) {
            flushPending(ex, dom, t.id, ctx, out, s, now);
        }
    }

    private static void withdraw(ExporterState ex, DomainState dom, int id) {
        if (dom.templates.remove(id) != null) {
            ex.templateCount--;
        }
    }

    private static void withdrawAll(ExporterState ex, DomainState dom, boolean options) {
        int[] ids = new int[dom.templates.size()];
        int[] n = {0};
        dom.templates.forEach(t -> {
            if (t.options == options) {
                ids[n[0]++] = t.id;
            }
        });
        for (int i = 0; i < n[0]; i++) {
            withdraw(ex, dom, ids[i]);
        }
    }

    // ---------------------------------------------------------------- pending data

    private void buffer(ByteBuffer b, int p, int setEnd, int setId, ExporterState ex, DomainState dom, DecodeContext ctx,
            Settings s, long now) {
        int size = setEnd - p;
        if (s.pendingMaxBytes() == 0 || s.pendingMaxAgeMillis() == 0) {
            ctx.drop(UNKNOWN_TEMPLATE, 1);
            return;
        }
        if (size > s.pendingMaxBytes() - ex.pendingBytes) {
            ctx.drop(TEMPLATE_LIMIT, 1);
            return;
        }
        byte[] data = new byte[size];
        b.get(p, data);
        ex.pending.addLast(new ExporterState.Pending(dom.id, setId, data, now, ex.exportMillis, ex.uptime));
        ex.pendingBytes += size;
    }

    private static void expirePending(ExporterState ex, Settings s, long now, DecodeContext ctx) {
        for (Iterator<ExporterState.Pending> it = ex.pending.iterator(); it.hasNext(); ) {
            ExporterState.Pending pd = it.next();
            if (now - pd.receivedMillis() > s.pendingMaxAgeMillis() || ex.pendingBytes > s.pendingMaxBytes()) {
                it.remove();
                ex.pendingBytes -= pd.data().length;
                ctx.drop(UNKNOWN_TEMPLATE, 1);
            }
        }
    }

    /** Decodes the held-back sets of a template that just arrived, with the header each came with. */
    private void flushPending(ExporterState ex, DomainState dom, int id, DecodeContext ctx, FlowBatch out, Settings s,
            long now) {
        long exportMillis = ex.exportMillis;
        int uptime = ex.uptime;
        for (Iterator<ExporterState.Pending> it = ex.pending.iterator(); it.hasNext(); ) {
            ExporterState.Pending pd = it.next();
            if (pd.domain() != dom.id || pd.setId() != id) {
                continue;
            }
            it.remove();
            ex.pendingBytes -= pd.data().length;
            ex.exportMillis = pd.exportMillis();
            ex.uptime = pd.uptime();
            byte[] data = pd.data();
            dataSet(ByteBuffer.wrap(data), 0, data.length, id, ex, dom, ctx, out, s, now, false);
        }
        ex.exportMillis = exportMillis;
        ex.uptime = uptime;
    }

    // ---------------------------------------------------------------- data

    /** Decodes a data set; returns the number of records, or -1 when its template is unknown. */
    private int dataSet(ByteBuffer b, int p, int setEnd, int setId, ExporterState ex, DomainState dom, DecodeContext ctx,
            FlowBatch out, Settings s, long now, boolean mayWait) {
        Template t = dom.templates.get(setId);
        if (t != null && now - t.lastSeen > s.templateLifetimeMillis()) {
            withdraw(ex, dom, setId);
            t = null;
        }
        if (t == null) {
            if (mayWait) {
                buffer(b, p, setEnd, setId, ex, dom, ctx, s, now);
            } else {
                ctx.drop(UNKNOWN_TEMPLATE, 1);
            }
            return -1;
        }
        int n = 0;
        int q = p;
        int min = t.minLength;
        while (setEnd - q >= min) {
            int next = t.options ? options(b, q, setEnd, t, dom) : flow(b, q, setEnd, t, ex, dom, ctx, out, s);
            if (next < 0) {
                ctx.drop(TRUNCATED, 1);
                break;
            }
            q = next;
            n++;
        }
        // what is left (less than one record) is padding
        return n;
    }

    /** Reads an unsigned big-endian integer of 1 to 8 bytes (reduced-size encoding). */
    static long unsigned(ByteBuffer b, int p, int len) {
        switch (len) {
            case 1:
                return b.get(p) & 0xFFL;
            case 2:
                return b.getShort(p) & 0xFFFFL;
            case 4:
                return b.getInt(p) & 0xFFFFFFFFL;
            case 8:
                return b.getLong(p);
            default:
                long v = 0;
                for (int i = 0; i < len; i++) {
                    v = (v << 8) | (b.get(p + i) & 0xFF);
                }
                return v;
        }
    }

    private static long mac(ByteBuffer b, int p) {
        return ((b.getShort(p) & 0xFFFFL) << 32) | (b.getInt(p + 2) & 0xFFFFFFFFL);
    }

    /** NTP timestamp (seconds since 1900, 32-bit fraction) to epoch milliseconds. */
    static long ntpToMillis(long ntp) {
        long seconds = (ntp >>> 32) - NTP_TO_UNIX_SECONDS;
        long fraction = ntp & 0xFFFFFFFFL;
        return seconds * 1000L + ((fraction * 1000L) >>> 32);
    }

    /** A sysUptime-relative time (32-bit ms counter) to epoch ms. */
    private long uptime(ExporterState ex, long systemInit, int value) {
        if (!ipfix) {
            // v9: relative to the header's uptime, modulo 2^32 so a counter wrap in between is harmless
            int age = ex.uptime - value;
            return ex.exportMillis - age;
        }
        if (systemInit <= 0) {
            return ex.exportMillis; // no reference point: the best estimate is the export time
        }
        long t = systemInit + (value & 0xFFFFFFFFL);
        // the 32-bit counter wrapped (every 49.7 days) if this lands far before the export
        long behind = ex.exportMillis - t - (TWO_32 >>> 1);
        if (behind > 0) {
            t += (behind / TWO_32 + 1) * TWO_32;
        }
        return t;
    }

    private static long rate(long interval, long packetInterval, long packetSpace) {
        if (interval > 0) {
            return interval;
        }
        if (packetInterval > 0) {
            return (packetInterval + packetSpace) / packetInterval;
        }
        return 0;
    }

    /** Applies one options data record; returns the offset after it, or -1 when truncated. */
    private int options(ByteBuffer b, int q, int end, Template t, DomainState dom) {
        byte[] actions = t.actions;
        int[] lengths = t.lengths;
        boolean fixed = t.fixedLength >= 0;
        if (fixed && t.fixedLength > end - q) {
            return -1;
        }
        int have = 0;
        long interval = 0, packetInterval = 0, packetSpace = 0, sampler = 0, iface = 0, init = 0;
        for (int i = 0; i < actions.length; i++) {
            int len = lengths[i];
            if (!fixed) {
                if (len == Template.VARIABLE) {
                    if (end - q < 1) {
                        return -1;
                    }
                    len = b.get(q++) & 0xFF;
                    if (len == 255) {
                        if (end - q < 2) {
                            return -1;
                        }
                        len = b.getShort(q) & 0xFFFF;
                        q += 2;
                    }
                }
                if (len > end - q) {
                    return -1;
                }
            }
            switch (actions[i]) {
                case SAMPLING_INTERVAL -> interval = unsigned(b, q, len);
                case PACKET_INTERVAL -> packetInterval = unsigned(b, q, len);
                case PACKET_SPACE -> packetSpace = unsigned(b, q, len);
                case SAMPLER_ID -> {
                    sampler = unsigned(b, q, len);
                    have |= H_SAMPLER;
                }
                case SCOPE_INTERFACE -> {
                    iface = unsigned(b, q, len);
                    have |= H_SCOPE_IF;
                }
                case SYSTEM_INIT -> {
                    init = unsigned(b, q, len);
                    have |= H_INIT;
                }
                default -> {
                    // skipped
                }
            }
            q += len;
        }
        long rate = rate(interval, packetInterval, packetSpace);
        if (rate > 0) {
            if ((have & H_SAMPLER) != 0) {
                dom.samplerRates.put(sampler, rate);
            } else if ((have & H_SCOPE_IF) != 0) {
                dom.interfaceRates.put(iface, rate);
            } else {
                dom.defaultRate = rate;
            }
        }
        if ((have & H_INIT) != 0 && init > 0) {
            dom.systemInitMillis = init;
        }
        return q;
    }

    /** Decodes one data record into a new flow record; returns the offset after it, or -1 when truncated. */
    private int flow(ByteBuffer b, int q, int end, Template t, ExporterState ex, DomainState dom, DecodeContext ctx,
            FlowBatch out, Settings s) {
        byte[] actions = t.actions;
        int[] lengths = t.lengths;
        boolean fixed = t.fixedLength >= 0;
        if (fixed && t.fixedLength > end - q) {
            return -1;
        }
        FlowRecord f = out.next();
        int have = 0;
        long bytes = 0, packets = 0, bytesTotal = 0, packetsTotal = 0, nselBytes = 0, nselPackets = 0;
        long start = 0, finish = 0, init = 0, interval = 0, packetInterval = 0, packetSpace = 0, sampler = 0;
        int firstUp = 0, lastUp = 0, tos = 0, dscp = 0, inIf = 0, outIf = 0, inPhys = 0, outPhys = 0;
        int vlan = 0, dot1q = 0, icmp = 0, icmpType = 0, icmpCode = 0;
        long srcMac = 0, dstMac = 0, postSrcMac = 0, postDstMac = 0, bgpHi = 0, bgpLo = 0;
        for (int i = 0; i < actions.length; i++) {
            int len = lengths[i];
            if (!fixed) {
                if (len == Template.VARIABLE) {
                    if (end - q < 1) {
                        out.dropLast();
                        return -1;
                    }
                    len = b.get(q++) & 0xFF;
                    if (len == 255) {
                        if (end - q < 2) {
                            out.dropLast();
                            return -1;
                        }
                        len = b.getShort(q) & 0xFFFF;
                        q += 2;
                    }
                }
                if (len > end - q) {
                    out.dropLast();
                    return -1;
                }
            }
            switch (actions[i]) {
                case SKIP -> {
                    // not needed
                }
                case BYTES -> {
                    bytes = unsigned(b, q, len);
                    have |= H_BYTES;
                }
                case PACKETS -> {
                    packets = unsigned(b, q, len);
                    have |= H_PACKETS;
                }
                case BYTES_TOTAL -> {
                    bytesTotal = unsigned(b, q, len);
                    have |= H_BYTES_TOTAL;
                }
                case PACKETS_TOTAL -> {
                    packetsTotal = unsigned(b, q, len);
                    have |= H_PACKETS_TOTAL;
                }
                case INIT_BYTES, RESP_BYTES -> {
                    nselBytes += unsigned(b, q, len);
                    have |= H_NSEL_BYTES;
                }
                case INIT_PACKETS, RESP_PACKETS -> {
                    nselPackets += unsigned(b, q, len);
                    have |= H_NSEL_PACKETS;
                }
                case PROTOCOL -> f.protocol((int) unsigned(b, q, len) & 0xFF);
                case TOS -> {
                    tos = (int) unsigned(b, q, len) & 0xFF;
                    have |= H_TOS;
                }
                case DSCP -> dscp = (int) unsigned(b, q, len) & 0x3F;
                case TCP_FLAGS -> f.tcpFlags((int) unsigned(b, q, len) & 0xFFFF);
                case SRC_PORT -> f.srcPort((int) unsigned(b, q, len) & 0xFFFF);
                case DST_PORT -> {
                    f.dstPort((int) unsigned(b, q, len) & 0xFFFF);
                    have |= H_DST_PORT;
                }
                case SRC4 -> f.srcV4(b.getInt(q));
                case DST4 -> f.dstV4(b.getInt(q));
                case SRC6 -> f.src(b.getLong(q), b.getLong(q + 8));
                case DST6 -> f.dst(b.getLong(q), b.getLong(q + 8));
                case SRC_MASK -> f.srcMask((int) unsigned(b, q, len) & 0xFF);
                case DST_MASK -> f.dstMask((int) unsigned(b, q, len) & 0xFF);
                case IN_IF -> {
                    inIf = (int) unsigned(b, q, len);
                    have |= H_IN;
                }
                case OUT_IF -> {
                    outIf = (int) unsigned(b, q, len);
                    have |= H_OUT;
                }
                case IN_PHYS -> inPhys = (int) unsigned(b, q, len);
                case OUT_PHYS -> outPhys = (int) unsigned(b, q, len);
                case NEXT_HOP4 -> {
                    f.nextHop(0, IpAddresses.v4Lo(b.getInt(q)));
                    have |= H_NEXT_HOP;
                }
                case NEXT_HOP6 -> {
                    f.nextHop(b.getLong(q), b.getLong(q + 8));
                    have |= H_NEXT_HOP;
                }
                case BGP_NEXT_HOP4 -> {
                    bgpHi = 0;
                    bgpLo = IpAddresses.v4Lo(b.getInt(q));
                }
                case BGP_NEXT_HOP6 -> {
                    bgpHi = b.getLong(q);
                    bgpLo = b.getLong(q + 8);
                }
                case SRC_AS -> f.srcAs(unsigned(b, q, len));
                case DST_AS -> f.dstAs(unsigned(b, q, len));
                case FIRST_UPTIME -> {
                    firstUp = (int) unsigned(b, q, len);
                    have |= H_FIRST_UP;
                }
                case LAST_UPTIME -> {
                    lastUp = (int) unsigned(b, q, len);
                    have |= H_LAST_UP;
                }
                case START_S -> {
                    start = unsigned(b, q, len) * 1000L;
                    have |= H_START;
                }
                case END_S -> {
                    finish = unsigned(b, q, len) * 1000L;
                    have |= H_END;
                }
                case START_MS -> {
                    start = unsigned(b, q, len);
                    have |= H_START;
                }
                case END_MS -> {
                    finish = unsigned(b, q, len);
                    have |= H_END;
                }
                case START_US, START_NS -> {
                    start = ntpToMillis(b.getLong(q));
                    have |= H_START;
                }
                case END_US, END_NS -> {
                    finish = ntpToMillis(b.getLong(q));
                    have |= H_END;
                }
                case START_DELTA_US -> {
                    start = ex.exportMillis - unsigned(b, q, len) / 1000L;
                    have |= H_START;
                }
                case END_DELTA_US -> {
                    finish = ex.exportMillis - unsigned(b, q, len) / 1000L;
                    have |= H_END;
                }
                case SYSTEM_INIT -> init = unsigned(b, q, len);
                case ICMP_TYPE_CODE -> {
                    icmp = (int) unsigned(b, q, len) & 0xFFFF;
                    have |= H_ICMP;
                }
                case ICMP_TYPE -> {
                    icmpType = (int) unsigned(b, q, len) & 0xFF;
                    have |= H_ICMP;
                }
                case ICMP_CODE -> {
                    icmpCode = (int) unsigned(b, q, len) & 0xFF;
                    have |= H_ICMP;
                }
                case VLAN -> {
                    vlan = (int) unsigned(b, q, len) & 0xFFF;
                    have |= H_VLAN;
                }
                case DOT1Q_VLAN -> dot1q = (int) unsigned(b, q, len) & 0xFFF;
                case SRC_MAC -> {
                    srcMac = mac(b, q);
                    have |= H_SRC_MAC;
                }
                case DST_MAC -> {
                    dstMac = mac(b, q);
                    have |= H_DST_MAC;
                }
                case POST_SRC_MAC -> postSrcMac = mac(b, q);
                case POST_DST_MAC -> postDstMac = mac(b, q);
                case DIRECTION -> {
                    long d = unsigned(b, q, len);
                    f.direction(d == 0 ? FlowRecord.DIRECTION_INGRESS : d == 1 ? FlowRecord.DIRECTION_EGRESS : FlowRecord.DIRECTION_UNKNOWN);
                }
                case SAMPLING_INTERVAL -> interval = unsigned(b, q, len);
                case SAMPLER_ID -> {
                    sampler = unsigned(b, q, len);
                    have |= H_SAMPLER;
                }
                case PACKET_INTERVAL -> packetInterval = unsigned(b, q, len);
                case PACKET_SPACE -> packetSpace = unsigned(b, q, len);
                default -> {
                    // options-only actions never appear in data templates
                }
            }
            q += len;
        }

        // counters: delta, else total, else Cisco NSEL initiator + responder
        long rawBytes = (have & H_BYTES) != 0 ? bytes : (have & H_BYTES_TOTAL) != 0 ? bytesTotal : (have & H_NSEL_BYTES) != 0 ? nselBytes : 0;
        long rawPackets = (have & H_PACKETS) != 0 ? packets
                : (have & H_PACKETS_TOTAL) != 0 ? packetsTotal : (have & H_NSEL_PACKETS) != 0 ? nselPackets : 0;
        if ((have & H_IN) == 0) {
            inIf = inPhys;
        }
        if ((have & H_OUT) == 0) {
            outIf = outPhys;
        }
        // sampling: the record's own interval, else its sampler's, else its interface's, else the domain's
        long rate = rate(interval, packetInterval, packetSpace);
        if (rate == 0 && (have & H_SAMPLER) != 0) {
            rate = dom.samplerRates.get(sampler);
        }
        if (rate == 0 && dom.interfaceRates.size() > 0) {
            rate = dom.interfaceRates.get(inIf & 0xFFFFFFFFL);
        }
        if (rate == 0) {
            rate = dom.defaultRate;
        }
        if (rate < 1 || !s.applySampling()) {
            rate = 1;
        }
        // times
        long systemInit = init > 0 ? init : dom.systemInitMillis;
        if ((have & H_START) == 0) {
            start = (have & H_FIRST_UP) != 0 ? uptime(ex, systemInit, firstUp) : ex.exportMillis;
        }
        if ((have & H_END) == 0) {
            finish = (have & H_LAST_UP) != 0 ? uptime(ex, systemInit, lastUp) : (have & (H_START | H_FIRST_UP)) != 0 ? start : ex.exportMillis;
        }
        f.format(format)
                .receivedMillis(ctx.receivedMillis())
                .exporter(ex.hi, ex.lo)
                .observationDomain(dom.id)
                .samplerId((int) sampler)
                .samplingRate(rate)
                .bytes(rawBytes * rate)
                .packets(rawPackets * rate)
                .inIf(inIf)
                .outIf(outIf)
                .startMillis(start)
                .endMillis(finish)
                .tos((have & H_TOS) != 0 ? tos : dscp << 2)
                .vlan((have & H_VLAN) != 0 ? vlan : dot1q)
                .srcMac((have & H_SRC_MAC) != 0 ? srcMac : postSrcMac)
                .dstMac((have & H_DST_MAC) != 0 ? dstMac : postDstMac);
        if ((have & H_NEXT_HOP) == 0 && (bgpHi | bgpLo) != 0) {
            f.nextHop(bgpHi, bgpLo);
        }
        if ((have & H_ICMP) != 0 && ((have & H_DST_PORT) == 0 || f.dstPort() == 0)) {
            // ICMP type and code where the ports would be, as collectors usually show them
            f.dstPort(icmp != 0 ? icmp : (icmpType << 8) | icmpCode);
        }
        return q;
    }
}
