package org.flowlens.collector.udp;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.flowlens.api.capture.CaptureSource;
import org.flowlens.api.config.Configs;
import org.flowlens.api.config.ConfigurationCheck;
import org.flowlens.api.flow.IpAddresses;
import org.flowlens.api.metrics.Counter;
import org.flowlens.api.metrics.Metrics;
import org.flowlens.api.pipeline.FlowPipeline;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP listener per factory configuration: receives flow-export datagrams (NetFlow, IPFIX,
 * sFlow: the pipeline picks the decoder by the datagram's version, so any port takes any format)
 * and hands each to {@link FlowPipeline#decode} with its receive time and the listener's name.
 *
 * <p>Each receiver thread owns a socket and one direct buffer, reused for every datagram: nothing
 * is allocated per datagram but the source address {@link DatagramChannel#receive} returns. With
 * more than one thread the sockets share the port through {@code SO_REUSEPORT}, and the kernel
 * spreads exporters over them (by address and port, so each exporter's datagrams stay in order).
 *
 * <p>A receiver thread does nothing between two reads but hand the datagram to
 * {@link FlowPipeline#decode}, which decodes it on the same thread into a batch shared by many
 * datagrams. On Linux the pipeline runs the threads that call it at a higher priority than every
 * other thread (its {@code receiverNice}), so that the store, the consumers or the JIT compiler do
 * not keep a receiver from its socket while the kernel's buffer fills.
 *
 * <p>The component is immediate: a listener receives from the moment it is configured, whether or
 * not anything uses its {@link CaptureSource} service (a delayed component would bind only while
 * some consumer of the service, such as the web console, holds it).
 *
 * <p>A changed configuration is applied live: the sockets are rebound before {@code modified}
 * returns (a new name alone only relabels the counters). A bind failure (port in use,
 * no permission, missing interface) leaves the listener {@link State#FAILED} with the reason in
 * its status and one log line; a new configuration or {@link #start()} tries again.
 */
@Component(
        configurationPid = UdpListener.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {CaptureSource.class, ConfigurationCheck.class},
        immediate = true,
        property = {CaptureSource.KIND + "=udp", ConfigurationCheck.PID + "=" + UdpListener.PID})
@Designate(ocd = UdpListener.Config.class, factory = true)
public class UdpListener implements CaptureSource, ConfigurationCheck {
    static final String PID = "flowlens.collector.udp";

    @ObjectClassDefinition(
            name = "Flowlens UDP listener",
            description = "Receives NetFlow, IPFIX and sFlow datagrams on one UDP address and port. Any port accepts any"
                    + " format; changes apply live.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "A short name for the listener's counters, e.g. netflow. Empty: udp:address:port.", required = false)
        String name() default "";

        @AttributeDefinition(name = "Bind address", description = "A numeric address of this host, 0.0.0.0 for every IPv4 address, or :: for every IPv6 and IPv4 address (dual stack).")
        String bindAddress() default "::";

        @AttributeDefinition(name = "Network interface", description = "Optional interface name (e.g. eth1): the listener binds to that interface's address"
                + " (its first IPv4 one for 0.0.0.0, its first IPv6 one for ::, or checks that the bind address is on it).", required = false)
        String networkInterface() default "";

        @AttributeDefinition(name = "Port", description = "UDP port (1-65535; 0 picks a free port). Usual: 2055 NetFlow, 4739 IPFIX, 6343 sFlow.", min = "0", max = "65535")
        int port() default 2055;

        @AttributeDefinition(name = "Receive buffer (bytes)", description = "SO_RCVBUF asked of the kernel per socket; 0 keeps the system default."
                + " Linux caps it at net.core.rmem_max (the size granted is logged).", min = "0")
        int receiveBufferBytes() default 8 << 20;

        @AttributeDefinition(name = "Receiver threads", description = "Sockets and threads receiving in parallel (1-64); more than one shares the port with SO_REUSEPORT.", min = "1", max = "64")
        int receiverThreads() default 1;

        @AttributeDefinition(name = "Maximum datagram size (bytes)", description = "Larger datagrams are counted and dropped (512-65535).", min = "512", max = "65535")
        int maxDatagramBytes() default 65_535;

        @AttributeDefinition(name = "Receive coalescing (microseconds)", description = "Once a receiver has emptied its socket it waits this long"
                + " before reading again, so that it wakes once per burst rather than once per datagram; after a few empty reads it blocks"
                + " until the next datagram. 0 blocks right away (one wake-up per datagram). 0-100000.", min = "0", max = "100000")
        int coalesceMicros() default 1000;
    }

    private static final Logger LOG = LoggerFactory.getLogger(UdpListener.class);
    /** Consecutive receive errors after which a receiver pauses briefly between attempts. */
    private static final int ERROR_BURST = 100;
    /** Empty reads, one coalescing interval apart, after which a receiver blocks until the next datagram. */
    private static final int IDLE_POLLS = 4;

    private final FlowPipeline pipeline;
    private final Metrics metrics;

    private volatile ListenerSettings settings;
    private volatile State state = State.STOPPED;
    private volatile String lastError;
    private volatile Bound bound;
    private volatile Meters meters;
    /** Times a receiver went back to blocking reads after its socket stayed empty (for tests and status). */
    private final java.util.concurrent.atomic.AtomicLong idleSwitches = new java.util.concurrent.atomic.AtomicLong();

    /** The sockets and threads of one binding. */
    private record Bound(InetSocketAddress local, List<DatagramChannel> channels, List<Thread> threads, int bufferGranted,
            long sinceMillis) {}

    /** The listener's own counters, swapped as a whole when its name changes. */
    private static final class Meters {
        final String listener;
        final Counter datagrams;
        final Counter bytes;
        final Counter oversize;
        final Counter errors;

        Meters(Metrics m, String listener) {
            this.listener = listener;
            datagrams = m.counter("flowlens_udp_received_datagrams_total", "Datagrams a UDP listener received", "listener", listener);
            bytes = m.counter("flowlens_udp_received_bytes_total", "Payload bytes a UDP listener received", "listener", listener);
            oversize = m.counter("flowlens_udp_oversize_datagrams_total", "Datagrams larger than the listener's maximum, dropped", "listener", listener);
            errors = m.counter("flowlens_udp_receive_errors_total", "Receive or hand-off errors of a UDP listener", "listener", listener);
        }
    }

    static final String[] METRIC_NAMES = {
        "flowlens_udp_received_datagrams_total", "flowlens_udp_received_bytes_total", "flowlens_udp_oversize_datagrams_total",
        "flowlens_udp_receive_errors_total", "flowlens_udp_kernel_drops", "flowlens_udp_receive_buffer_bytes", "flowlens_udp_listener_up"
    };

    @Activate
    public UdpListener(@Reference FlowPipeline pipeline, @Reference Metrics metrics, Config config) {
        this.pipeline = pipeline;
        this.metrics = metrics;
        try {
            settings = ListenerSettings.of(config);
        } catch (ListenerSettings.Invalid e) {
            state = State.FAILED;
            lastError = "invalid configuration: " + e.getMessage();
            LOG.error("UDP listener configuration refused: {}; the listener stays stopped until it is corrected", e.getMessage());
            return;
        }
        start();
    }

    /** Whether a listener would take these properties (a port in range, a bind address, sizes). */
    @Override
    public String problem(String pid, Map<String, Object> properties) {
        return ConfigurationCheck.problem(() -> ListenerSettings.of(Configs.of(Config.class, properties)));
    }

    @Modified
    synchronized void modified(Config config) {
        ListenerSettings next;
        try {
            next = ListenerSettings.of(config);
        } catch (ListenerSettings.Invalid e) {
            LOG.error("UDP listener {} configuration refused: {}; keeping the last good one", listenerName(), e.getMessage());
            return;
        }
        ListenerSettings prev = settings;
        settings = next;
        if (state == State.STOPPED) {
            return; // stopped by hand: the new configuration applies at the next start
        }
        if (state == State.RUNNING && next.sameSocket(prev)) {
            ensureMeters();
            return;
        }
        unbind();
        bind(next);
    }

    @Deactivate
    synchronized void deactivate() {
        stop();
    }

    // ---------------------------------------------------------------- CaptureSource

    @Override
    public String name() {
        Bound b = bound;
        ListenerSettings s = settings;
        if (s == null) {
            return "udp:unconfigured";
        }
        int port = b != null ? b.local().getPort() : s.port();
        return "udp:" + address(s.bindAddress()) + ":" + port;
    }

    /** The name handed to the pipeline and used as the metrics label. */
    String listenerName() {
        ListenerSettings s = settings;
        return s != null && !s.name().isEmpty() ? s.name() : name();
    }

    private static String address(InetAddress a) {
        String h = a.getHostAddress();
        int pct = h.indexOf('%');
        if (pct >= 0) {
            h = h.substring(0, pct);
        }
        if (a instanceof Inet6Address) {
            return "[" + (a.isAnyLocalAddress() ? "::" : compact(h)) + "]";
        }
        return h;
    }

    private static String compact(String v6) {
        try {
            long[] a = IpAddresses.parse(v6);
            return IpAddresses.format(a[0], a[1]);
        } catch (IllegalArgumentException e) {
            return v6;
        }
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public synchronized void start() {
        if (state == State.RUNNING || settings == null) {
            return;
        }
        bind(settings);
    }

    @Override
    public synchronized void stop() {
        unbind();
        Meters m = meters;
        meters = null;
        if (m != null) {
            removeMetrics(m.listener);
        }
        state = State.STOPPED;
    }

    /** Closes the sockets and waits for the receiver threads to end. */
    private void unbind() {
        Bound b = bound;
        bound = null;
        if (b == null) {
            return;
        }
        for (DatagramChannel ch : b.channels()) {
            closeQuietly(ch);
        }
        for (Thread t : b.threads()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.info("UDP listener {} closed {}", listenerName(), b.local());
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        ListenerSettings cfg = settings;
        Bound b = bound;
        Meters m = meters;
        s.put("state", state.name());
        s.put("listener", listenerName());
        if (cfg != null) {
            s.put("bindAddress", cfg.bindAddress().getHostAddress());
            s.put("networkInterface", cfg.networkInterface());
            s.put("port", b != null ? b.local().getPort() : cfg.port());
            s.put("receiverThreads", cfg.receiverThreads());
            s.put("maxDatagramBytes", cfg.maxDatagramBytes());
            s.put("receiveBufferRequested", cfg.receiveBufferBytes());
        }
        if (b != null) {
            s.put("boundTo", b.local().toString());
            s.put("receiveBufferGranted", b.bufferGranted());
            s.put("since", b.sinceMillis());
            long drops = KernelDrops.read(b.local().getAddress(), b.local().getPort());
            s.put("kernelDrops", drops >= 0 ? drops : null);
        }
        if (m != null) {
            s.put("datagrams", m.datagrams.get());
            s.put("bytes", m.bytes.get());
            s.put("oversizeDatagrams", m.oversize.get());
            s.put("errors", m.errors.get());
        }
        s.put("lastError", lastError);
        return Collections.unmodifiableMap(s);
    }

    /** How often a receiver went back to blocking reads after its socket stayed empty. */
    long idleSwitches() {
        return idleSwitches.get();
    }

    /** The address and port the sockets are bound to, or null when not running. */
    InetSocketAddress localAddress() {
        Bound b = bound;
        return b == null ? null : b.local();
    }

    // ---------------------------------------------------------------- binding

    private void bind(ListenerSettings s) {
        List<DatagramChannel> channels = new ArrayList<>();
        InetSocketAddress local = null;
        try {
            InetAddress address = onInterface(s);
            if (address instanceof Inet6Address && address.isAnyLocalAddress() && !ipv6Available()) {
                LOG.warn("UDP listener {}: IPv6 is not available on this host, listening on IPv4 only (0.0.0.0)", listenerName());
                address = InetAddress.getByAddress(new byte[4]);
            }
            int port = s.port();
            for (int i = 0; i < s.receiverThreads(); i++) {
                DatagramChannel ch = DatagramChannel.open(address instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
                channels.add(ch);
                if (s.receiverThreads() > 1) {
                    if (!ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                        throw new SocketException("SO_REUSEPORT is not available on this system: set receiverThreads to 1");
                    }
                    ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                if (s.receiveBufferBytes() > 0) {
                    ch.setOption(StandardSocketOptions.SO_RCVBUF, s.receiveBufferBytes());
                }
                ch.bind(new InetSocketAddress(address, port));
                local = (InetSocketAddress) ch.getLocalAddress();
                port = local.getPort(); // with port 0 the other sockets join the port the first one got
            }
        } catch (IOException | RuntimeException e) {
            channels.forEach(UdpListener::closeQuietly);
            state = State.FAILED;
            lastError = reason(e, s);
            LOG.error("UDP listener {} failed to bind {}:{}: {}", listenerName(), address(s.bindAddress()), s.port(), lastError);
            return;
        }
        int granted = 0;
        try {
            granted = channels.get(0).getOption(StandardSocketOptions.SO_RCVBUF);
        } catch (IOException e) {
            // the size stays unknown
        }
        List<Thread> threads = new ArrayList<>();
        Bound b = new Bound(local, channels, threads, granted, System.currentTimeMillis());
        bound = b;
        ensureMeters();
        for (int i = 0; i < channels.size(); i++) {
            DatagramChannel ch = channels.get(i);
            Thread t = new Thread(() -> receive(ch, s.maxDatagramBytes(), TimeUnit.MICROSECONDS.toNanos(s.coalesceMicros())),
                    "flowlens-udp-" + listenerName() + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        state = State.RUNNING;
        lastError = null;
        threads.forEach(Thread::start);
        if (s.receiveBufferBytes() > 0 && granted < s.receiveBufferBytes()) {
            LOG.warn("UDP listener {} bound to {} with {} receiver thread(s); receive buffer {} bytes granted of {} asked"
                    + " (raise net.core.rmem_max to get more)", listenerName(), local, channels.size(), granted, s.receiveBufferBytes());
        } else {
            LOG.info("UDP listener {} bound to {} with {} receiver thread(s); receive buffer {} bytes granted", listenerName(), local,
                    channels.size(), granted);
        }
    }

    private static boolean ipv6Available() {
        try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The address to bind: the configured one, or with an interface named, that interface's address. */
    private static InetAddress onInterface(ListenerSettings s) throws SocketException {
        InetAddress wanted = s.bindAddress();
        if (s.networkInterface().isEmpty()) {
            return wanted;
        }
        NetworkInterface nif = NetworkInterface.getByName(s.networkInterface());
        if (nif == null) {
            throw new SocketException("no network interface named " + s.networkInterface());
        }
        List<InetAddress> addresses = Collections.list(nif.getInetAddresses());
        if (!wanted.isAnyLocalAddress()) {
            for (InetAddress a : addresses) {
                if (a.equals(wanted)) {
                    return a;
                }
            }
            throw new SocketException(wanted.getHostAddress() + " is not an address of interface " + s.networkInterface());
        }
        boolean v4 = wanted instanceof Inet4Address;
        for (InetAddress a : addresses) {
            if (v4 == (a instanceof Inet4Address)) {
                return a;
            }
        }
        throw new SocketException("interface " + s.networkInterface() + " has no " + (v4 ? "IPv4" : "IPv6") + " address");
    }

    private static String reason(Exception e, ListenerSettings s) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof BindException) {
            String lower = m.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("in use")) {
                return "port " + s.port() + " is already in use on " + s.bindAddress().getHostAddress() + " (" + m + ")";
            }
            if (lower.contains("permission") || lower.contains("access")) {
                return "permission denied: ports below 1024 need privileges (" + m + ")";
            }
            if (lower.contains("assign")) {
                return s.bindAddress().getHostAddress() + " is not an address of this host (" + m + ")";
            }
        }
        return m;
    }

    /** The counters under the listener's current name: created, or renamed (counting again from zero). */
    private void ensureMeters() {
        String listener = listenerName();
        Meters m = meters;
        if (m != null && m.listener.equals(listener)) {
            return;
        }
        meters = new Meters(metrics, listener);
        registerGauges(listener);
        if (m != null) {
            removeMetrics(m.listener);
            LOG.info("UDP listener {} renamed from {}", listener, m.listener);
        }
    }

    private void registerGauges(String listener) {
        metrics.gauge("flowlens_udp_kernel_drops", "Datagrams the kernel dropped for the listener's sockets (Linux /proc/net/udp); NaN where unknown",
                () -> {
                    Bound b = bound;
                    long d = b == null ? -1 : KernelDrops.read(b.local().getAddress(), b.local().getPort());
                    return d >= 0 ? d : Double.NaN;
                }, "listener", listener);
        metrics.gauge("flowlens_udp_receive_buffer_bytes", "Receive buffer the kernel granted per socket", () -> {
            Bound b = bound;
            return b == null ? 0 : b.bufferGranted();
        }, "listener", listener);
        metrics.gauge("flowlens_udp_listener_up", "1 while the listener is bound and receiving", () -> state == State.RUNNING ? 1 : 0,
                "listener", listener);
    }

    private void removeMetrics(String listener) {
        for (String n : METRIC_NAMES) {
            metrics.remove(n, "listener", listener);
        }
    }

    private static void closeQuietly(DatagramChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing is all that was asked
        }
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Receives until the socket is closed. The socket starts blocking; after a datagram it reads
     * without blocking while datagrams are queued, and when the queue is empty waits one
     * coalescing interval before reading again (the kernel keeps what arrives meanwhile): at high
     * rates the thread wakes once per burst instead of once per datagram, which costs the
     * receiver and the sender a context switch each. After {@link #IDLE_POLLS} empty reads it
     * blocks again, so an idle listener does not wake.
     */
    private void receive(DatagramChannel ch, int maxDatagram, long coalesceNanos) {
        // one more byte than the maximum: a datagram that fills it was larger, and truncated by the kernel
        ByteBuffer buf = ByteBuffer.allocateDirect(maxDatagram + 1);
        int errorsInARow = 0;
        boolean blocking = true;
        int idle = 0;
        while (true) {
            buf.clear();
            SocketAddress from;
            try {
                from = ch.receive(buf);
                if (from == null) { // non-blocking and nothing queued
                    if (++idle > IDLE_POLLS) {
                        ch.configureBlocking(true);
                        blocking = true;
                        idle = 0;
                        idleSwitches.incrementAndGet();
                    } else {
                        LockSupport.parkNanos(coalesceNanos);
                    }
                    continue;
                }
                idle = 0;
                if (blocking && coalesceNanos > 0) {
                    ch.configureBlocking(false);
                    blocking = false;
                }
            } catch (ClosedChannelException e) {
                return; // stop() closed the socket
            } catch (IOException e) {
                Meters m = meters;
                if (m != null) {
                    m.errors.increment();
                }
                if (!ch.isOpen()) {
                    return;
                }
                if (++errorsInARow == 1) {
                    LOG.warn("UDP listener {} receive failed: {}", listenerName(), e.toString());
                }
                if (errorsInARow >= ERROR_BURST) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                continue;
            }
            errorsInARow = 0;
            if (from instanceof InetSocketAddress exporter) {
                handle(buf, exporter, maxDatagram);
            }
        }
    }

    private void handle(ByteBuffer buf, InetSocketAddress exporter, int maxDatagram) {
        long now = System.currentTimeMillis();
        Meters m = meters;
        if (m == null) {
            return;
        }
        int n = buf.position();
        m.datagrams.increment();
        m.bytes.add(n);
        if (n > maxDatagram) {
            m.oversize.increment();
            return;
        }
        buf.flip();
        try {
            pipeline.decode(buf, exporter, now, m.listener);
        } catch (RuntimeException e) {
            m.errors.increment();
            LOG.debug("UDP listener {}: the pipeline failed on a datagram from {}", m.listener, exporter, e);
        }
    }
}
