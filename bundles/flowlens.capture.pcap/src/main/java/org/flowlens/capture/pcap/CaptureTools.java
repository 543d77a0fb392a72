package org.flowlens.capture.pcap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pcap4j.core.PcapAddress;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.Pcaps;

/**
 * What the command line's {@code --list-interfaces} and {@code --check-deps} print, and the
 * checks live capture makes before it starts.
 */
public final class CaptureTools {

    /** Linux capability number of CAP_NET_RAW. */
    private static final int CAP_NET_RAW = 13;

    private CaptureTools() {
    }

    /**
     * The interfaces libpcap can capture on.
     *
     * @throws IOException when libpcap is missing or refuses (the message says how to fix it)
     */
    public static List<NetworkInterfaceInfo> listInterfaces() throws IOException {
        List<PcapNetworkInterface> devices;
        try {
            devices = Pcaps.findAllDevs();
        } catch (PcapNativeException e) {
            throw new IOException("libpcap could not list the interfaces: " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new IOException(libpcapMissing(e), e);
        }
        List<NetworkInterfaceInfo> out = new ArrayList<>();
        for (PcapNetworkInterface d : devices) {
            List<String> addresses = new ArrayList<>();
            for (PcapAddress a : d.getAddresses()) {
                if (a.getAddress() != null) {
                    addresses.add(a.getAddress().getHostAddress());
                }
            }
            out.add(new NetworkInterfaceInfo(d.getName(), d.getDescription(), List.copyOf(addresses), d.isUp(),
                    d.isRunning(), d.isLoopBack()));
        }
        return out;
    }

    /**
     * The interface live capture uses when none is configured: the first one that is up, not a
     * loopback and not a pseudo-device ({@code any}, bluetooth, USB, netfilter), preferring one with
     * an address.
     *
     * @throws IOException when there is none or libpcap is missing
     */
    public static String defaultInterface() throws IOException {
        NetworkInterfaceInfo withoutAddress = null;
        for (NetworkInterfaceInfo i : listInterfaces()) {
            String n = i.name().toLowerCase(Locale.ROOT);
            if (!i.up() || i.loopback() || n.equals("any") || n.startsWith("bluetooth") || n.startsWith("usbmon")
                    || n.startsWith("nflog") || n.startsWith("nfqueue") || n.startsWith("dbus")) {
                continue;
            }
            if (!i.addresses().isEmpty()) {
                return i.name();
            }
            if (withoutAddress == null) {
                withoutAddress = i;
            }
        }
        if (withoutAddress != null) {
            return withoutAddress.name();
        }
        throw new IOException("no network interface is up apart from loopback; name one in the capture configuration");
    }

    /** Whether libpcap is present and the process may capture, with advice for a person. */
    public static DependencyReport checkDependencies() {
        String version = null;
        String problem = null;
        try {
            version = Pcaps.libVersion();
        } catch (LinkageError | RuntimeException e) {
            problem = libpcapMissing(e);
        }
        boolean privileged = privileged();
        StringBuilder message = new StringBuilder();
        if (version != null) {
            message.append("libpcap found: ").append(version).append(". ");
        } else {
            message.append(problem).append(' ');
        }
        if (privileged) {
            message.append("Live capture is permitted (root or CAP_NET_RAW).");
        } else {
            message.append(permissionHint(null));
        }
        return new DependencyReport(version != null, version, privileged, message.toString().trim());
    }

    /** True when running as root or with CAP_NET_RAW in the effective set (Linux). */
    public static boolean privileged() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    if (f.length > 1 && f[1].equals("0")) {
                        return true;
                    }
                } else if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    if ((caps & (1L << CAP_NET_RAW)) != 0) {
                        return true;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** How to let this process capture, naming the interface when known. */
    public static String permissionHint(String iface) {
        String java = ProcessHandle.current().info().command().orElse("/path/to/java");
        return "Capturing" + (iface != null ? " on " + iface : "") + " needs root or the CAP_NET_RAW capability: "
                + "run Flowlens as root, or grant the Java binary the capability once with "
                + "'sudo setcap cap_net_raw,cap_net_admin=eip " + java + "' "
                + "(or, under systemd, AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN).";
    }

    static String libpcapMissing(Throwable e) {
        return "libpcap could not be loaded (" + e.getMessage() + "): install it "
                + "(Debian/Ubuntu: apt-get install libpcap0.8; Fedora/RHEL: dnf install libpcap; "
                + "Alpine: apk add libpcap) or import pcap files instead, which needs no libpcap.";
    }

    /** True when a libpcap error says the process lacks the privilege to capture. */
    static boolean isPermissionError(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("operation not permitted") || m.contains("permission denied") || m.contains("eperm")
                || m.contains("you don't have permission");
    }
}
