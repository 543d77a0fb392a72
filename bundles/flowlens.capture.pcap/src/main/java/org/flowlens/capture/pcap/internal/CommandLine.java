package org.flowlens.capture.pcap.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.flowlens.api.flow.FlowBatch;
import org.flowlens.api.pipeline.FlowPipeline;
import org.flowlens.capture.pcap.CaptureTools;
import org.flowlens.capture.pcap.DependencyReport;
import org.flowlens.capture.pcap.ImportProgress;
import org.flowlens.capture.pcap.NetworkInterfaceInfo;
import org.flowlens.capture.pcap.PcapFileImport;
import org.flowlens.decoder.packet.meter.DomainTable;
import org.flowlens.decoder.packet.meter.MeterSettings;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;

/**
 * The capture commands of the executable jar:
 * <ul>
 * <li>{@code --list-interfaces}: the interfaces libpcap sees;</li>
 * <li>{@code --check-deps}: whether libpcap is present and the process may capture (exit code 1 when not);</li>
 * <li>{@code --import FILE [--recorded-speed]}: meters a pcap or pcapng file into the running
 * pipeline, shows progress, waits until the records have been handed on and exits.</li>
 * </ul>
 * Without one of these arguments Flowlens simply runs.
 */
@Component(immediate = true)
public class CommandLine {
    private final BundleContext context;
    private final FlowPipeline pipeline;
    private final String[] args;

    @Activate
    public CommandLine(BundleContext context, @Reference FlowPipeline pipeline,
            @Reference(target = "(launcher.arguments=*)", service = Object.class, cardinality = ReferenceCardinality.OPTIONAL)
            Map<String, Object> launcher) {
        this.context = context;
        this.pipeline = pipeline;
        Object a = launcher == null ? null : launcher.get("launcher.arguments");
        this.args = a instanceof String[] s ? s : new String[0];
        List<String> list = Arrays.asList(args);
        if (list.contains("--list-interfaces") || list.contains("--check-deps") || list.contains("--import")) {
            Thread t = new Thread(this::run, "flowlens-command-line");
            t.start();
        }
    }

    private void run() {
        PrintStream out = System.out;
        int code;
        try {
            List<String> list = Arrays.asList(args);
            if (list.contains("--list-interfaces")) {
                code = listInterfaces(out);
            } else if (list.contains("--check-deps")) {
                DependencyReport r = CaptureTools.checkDependencies();
                out.println(r.message());
                code = r.ok() ? 0 : 1;
            } else {
                int i = list.indexOf("--import");
                if (i + 1 >= args.length) {
                    out.println("usage: java -jar flowlens.jar --import FILE.pcap [--recorded-speed]");
                    code = 2;
                } else {
                    code = importFile(Paths.get(args[i + 1]), list.contains("--recorded-speed"), out);
                }
            }
        } catch (IOException | RuntimeException e) {
            out.println("error: " + e.getMessage());
            code = 1;
        }
        out.flush();
        try {
            context.getBundle(0).stop();
        } catch (BundleException e) {
            // exiting anyway
        }
        System.exit(code);
    }

    private static int listInterfaces(PrintStream out) throws IOException {
        List<NetworkInterfaceInfo> all = CaptureTools.listInterfaces();
        String chosen = CaptureTools.defaultInterface();
        for (NetworkInterfaceInfo n : all) {
            out.printf("%-16s %-4s %-8s %s%s%n", n.name(), n.up() ? "up" : "down", n.loopback() ? "loopback" : "", String.join(" ", n.addresses()),
                    n.name().equals(chosen) ? "   (default for capture)" : "");
        }
        if (all.isEmpty()) {
            out.println("libpcap lists no interfaces. " + CaptureTools.checkDependencies().message());
            return 1;
        }
        return 0;
    }

    private int importFile(Path file, boolean recordedSpeed, PrintStream out) throws IOException {
        if (!Files.isReadable(file)) {
            out.println("cannot read " + file);
            return 2;
        }
        String source = "pcap-file:" + file.getFileName();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        long before = pipeline.delivered().flows();
        PcapFileImport imp = new PcapFileImport(file, recordedSpeed ? PcapFileImport.Speed.RECORDED : PcapFileImport.Speed.FAST,
                MeterSettings.softflowd(), new DomainTable(65_536, 60, 86_400), (FlowBatch b) -> {
                    int n = b.size();
                    if (pipeline.submit(b, source)) {
                        accepted.addAndGet(n);
                    } else {
                        refused.addAndGet(n);
                    }
                });
        Thread worker = new Thread(() -> {
            try {
                imp.run();
            } catch (IOException e) {
                out.println("error: " + e.getMessage());
            }
        }, "flowlens-import");
        worker.start();
        while (worker.isAlive()) {
            try {
                worker.join(1000);
            } catch (InterruptedException e) {
                imp.cancel();
                Thread.currentThread().interrupt();
                return 1;
            }
            print(out, imp.progress());
        }
        ImportProgress p = imp.progress();
        // wait, bounded, until the pipeline has handed the accepted records to the consumers
        long deadline = System.currentTimeMillis() + 30_000;
        while (pipeline.delivered().flows() - before < accepted.get() && System.currentTimeMillis() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        out.printf("imported %s: %d packets, %d flow records (%d refused by a full pipeline), %d undecodable, %d damaged%s%n", file, p.packets(),
                p.records(), refused.get(), p.undecodable(), p.truncated(), p.error() != null ? "; failed: " + p.error() : "");
        return p.error() == null ? 0 : 1;
    }

    private static void print(PrintStream out, ImportProgress p) {
        out.printf("%5.1f%%  %,d packets  %,d bytes  %,.0f packets/s  %,d records%n", p.percent(), p.packets(), p.position(), p.packetsPerSecond(),
                p.records());
    }
}
