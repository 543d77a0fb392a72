#!/usr/bin/env python3
"""Driver of udp-e2e.sh (run that, as root, from the repository root; it sets up the namespace).

For each collector and format: one trial at top speed, and if the collector did not keep up, a
bisection on the replay rate (a failed trial is tried a second time before it counts, since other
processes on a shared machine cause occasional bursts of drops). Last, the sender's own ceiling:
tcpreplay at top speed to a port nobody listens on. A trial replays the corpus file in a loop at a fixed
datagram rate for a few seconds and passes when
  - the kernel dropped none of the datagrams for the collector's socket (/proc/net/udp drops), and
  - the collector accounts for every record sent: decoded + its counted drops = records sent
    (Flowlens: its listener also received every datagram sent).
The result per collector and format is the highest passing rate, in datagrams/s and records/s.
Every trial also records the CPU time the collector used (utime + stime of every thread of every
process in its session, from /proc/<pid>/task/<tid>/stat; Flowlens: per thread, named by jcmd
Thread.print), reported per million records at the highest passing rate as a comparison that does
not depend on how much of the machine the collector got.

Every collector runs in a session of its own (as a daemon does), so that the scheduler's
per-session groups give it the same share of the machine as the sender gets.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

NS = "flbench"
# datagrams/s assumed for a top-speed trial, to size its loop count to about the trial's length
TOP_SPEED_GUESS = 150_000
# receive buffer every collector asks for (--buffer)
BUFFER = 8 << 20
FORMATS = {
    # name: (corpus file, UDP port in the file, Flowlens listener of the default configuration)
    "v5": ("ndpi-1kxun__softflowd-nfv5.pcap", 2055, "netflow"),
    "v9": ("ndpi-1kxun__softflowd-nfv9.pcap", 2055, "netflow"),
    "ipfix": ("ndpi-1kxun__softflowd-ipfix.pcap", 4739, "ipfix"),
    "ipfix-pmacctd": ("ndpi-1kxun__pmacctd-ipfix.pcap", 4739, "ipfix"),
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def ns(cmd):
    return ["ip", "netns", "exec", NS] + cmd


def udp_socket(port):
    """(rx_queue bytes, drops) summed over the namespace's UDP sockets bound to port, or None."""
    found = None
    for f in ("/proc/net/udp", "/proc/net/udp6"):
        out = subprocess.run(ns(["cat", f]), capture_output=True, text=True).stdout
        for line in out.splitlines()[1:]:
            c = line.split()
            if len(c) >= 13 and c[1].endswith(":%04X" % port):
                rx = int(c[4].split(":")[1], 16)
                drops = int(c[12])
                found = (rx, drops) if found is None else (found[0] + rx, found[1] + drops)
    return found


TICK = os.sysconf("SC_CLK_TCK")


def session_cpu(sid):
    """{(pid, tid): (comm, CPU seconds)} of every thread of every process in session sid (the collector
    and what it forked, e.g. nfacctd's plugins): utime + stime from /proc/<pid>/task/<tid>/stat."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % pid).read()
            if int(stat[stat.rindex(")") + 2:].split()[3]) != sid:  # field 6, the session id
                continue
            for tid in os.listdir("/proc/%s/task" % pid):
                t = open("/proc/%s/task/%s/stat" % (pid, tid)).read()
                f = t[t.rindex(")") + 2:].split()
                out[(int(pid), int(tid))] = (t[t.index("(") + 1:t.rindex(")")], (int(f[11]) + int(f[12])) / TICK)
        except (OSError, ValueError):
            continue
    return out


def cpu_delta(before, after):
    """{(pid, tid): (comm, CPU seconds used between the two samples)}; threads that ended are missed."""
    return {k: (v[0], v[1] - before.get(k, (None, 0.0))[1]) for k, v in after.items()}


def await_drained(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = udp_socket(port)
        if s is None or s[0] == 0:
            return
        time.sleep(0.05)
    raise RuntimeError("socket on port %d not drained in %d s" % (port, timeout))


def tcpreplay(path, pps, loops):
    """Replays path loops times at pps datagrams/s (None: top speed). Returns (sent, seconds, pps)."""
    cmd = ["tcpreplay", "-i", "lo", "-K", "--loop=%d" % loops]
    if pps is None:
        cmd.append("--topspeed")
    else:
        # nanosleep between bursts of pps/1000 datagrams: the default timer spins on a core,
        # which on a small machine takes CPU from the collector under test
        cmd += ["-T", "nano", "--pps=%d" % pps, "--pps-multi=%d" % max(1, pps // 1000)]
    out = subprocess.run(ns(cmd + [path]), capture_output=True, text=True)
    m = re.search(r"Actual: (\d+) packets .* sent in ([\d.]+) seconds", out.stdout)
    r = re.search(r"Rated: .* ([\d.]+) pps", out.stdout)
    if not m or not r:
        raise RuntimeError("tcpreplay: " + out.stdout + out.stderr)
    return int(m.group(1)), float(m.group(2)), float(r.group(1))


class Corpus:
    def __init__(self, directory, fmt):
        name, self.port, self.listener = FORMATS[fmt]
        self.path = os.path.join(directory, name)
        truth = json.load(open(self.path.replace(".pcap", ".truth.json")))
        self.datagrams = truth["pcap_packets"]
        self.records = truth["consensus"]["flows"]["value"]
        self.name = name

    def loops(self, pps, seconds):
        return max(1, int(pps * seconds / self.datagrams))


# ------------------------------------------------------------------------------------ collectors

class Flowlens:
    """The default runtime, started once from a scratch directory holding a copy of config/."""
    name = "Flowlens"

    def __init__(self, jar, config, java_options=()):
        self.dir = tempfile.mkdtemp(prefix="flowlens-bench-")
        shutil.copytree(config, os.path.join(self.dir, "config"))
        for f in os.listdir(os.path.join(self.dir, "config")):
            if f.startswith("flowlens.collector.udp-"):
                path = os.path.join(self.dir, "config", f)
                text = re.sub(r'receiveBufferBytes=I"\d+"', 'receiveBufferBytes=I"%d"' % BUFFER, open(path).read())
                open(path, "w").write(text)
        os.makedirs(os.path.join(self.dir, "plugins"))
        self.log = open(os.path.join(self.dir, "flowlens.log"), "w")
        self.proc = subprocess.Popen(ns(["java"] + list(java_options) + ["-jar", os.path.abspath(jar)]), cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if "flow_udp_listener_up" in self.metrics_text():
                    return
            except Exception:
                pass
            time.sleep(0.5)
        raise RuntimeError("Flowlens did not start; see " + self.log.name)

    def metrics_text(self):
        return subprocess.run(ns(["curl", "-s", "--max-time", "10", "http://127.0.0.1:8080/metrics"]), capture_output=True, text=True).stdout

    def metrics(self):
        out = {}
        for line in self.metrics_text().splitlines():
            if line.startswith("#") or not line.strip():
                continue
            m = re.match(r'([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)$', line)
            if not m:
                continue
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
            try:
                v = float(m.group(4))
            except ValueError:
                continue
            out.setdefault(m.group(1), []).append((labels, v))
        return out

    @staticmethod
    def total(metrics, name, **labels):
        return sum(v for l, v in metrics.get(name, []) if all(l.get(k) == w for k, w in labels.items()) and v == v)

    def consumers(self):
        m = self.metrics()
        return sorted({l["consumer"] for l, _ in m.get("flow_dropped_records_total", []) if l.get("stage") == "consumer"})

    def counters(self, listener):
        m = self.metrics()
        t = self.total
        return {
            "received": t(m, "flow_udp_received_datagrams_total", listener=listener),
            "pipeline_datagrams": t(m, "flow_received_packets_total", listener=listener),
            "decoded": t(m, "flow_parsed_records_total", listener=listener),
            "decoder_drops": t(m, "flow_dropped_records_total", listener=listener, stage="collector"),
            "undecodable": t(m, "flow_collector_undecodable_datagrams_total", listener=listener),
            "kernel": t(m, "flow_udp_kernel_drops", listener=listener),
            "queue_drops": t(m, "flow_dropped_records_total", stage="pipeline"),
            "consumer_drops": t(m, "flow_dropped_records_total", stage="consumer"),
        }

    def thread_names(self):
        """{tid: Java thread name} from jcmd Thread.print (the kernel's comm keeps only 15 characters)."""
        names = {}
        try:
            out = subprocess.run(["jcmd", str(self.proc.pid), "Thread.print"], capture_output=True, text=True).stdout
        except FileNotFoundError:  # a JRE without jcmd: the kernel's 15-character names then
            return names
        for m in re.finditer(r'^"(.*?)".* nid=0x([0-9a-f]+)', out, re.M):
            names[int(m.group(2), 16)] = m.group(1)
        return names

    def trial(self, corpus, pps, seconds):
        before = self.counters(corpus.listener)
        loops = corpus.loops(pps or TOP_SPEED_GUESS, seconds)
        cpu0 = session_cpu(self.proc.pid)
        sent, secs, rate = tcpreplay(corpus.path, pps, loops)
        await_drained(corpus.port)
        after = self.counters(corpus.listener)
        deadline = time.time() + 30
        while time.time() < deadline:  # the last datagram's records and the consumers' queues
            time.sleep(0.3)
            again = self.counters(corpus.listener)
            if again == after:
                break
            after = again
        cpu = cpu_delta(cpu0, session_cpu(self.proc.pid))  # with the consumers' share of the trial's records
        names = self.thread_names()
        groups = {}
        for (_, tid), (comm, sec) in cpu.items():
            name = names.get(tid, comm)
            if name.startswith("flowlens-udp-"):
                name = "receivers (flowlens-udp-*)"
            elif name.startswith("flowlens-consumer-"):
                name = "consumers (flowlens-consumer-*)"
            else:
                name = re.sub(r"\d+", "#", name)
            groups[name] = groups.get(name, 0.0) + sec
        total = sum(groups.values())
        top = sorted(groups.items(), key=lambda kv: -kv[1])[:8]
        self.last_cpu = (total, groups.get("receivers (flowlens-udp-*)", 0.0))
        d = {k: after[k] - before[k] for k in after}
        expected = loops * corpus.records
        ok = d["kernel"] == 0 and d["received"] == sent and d["decoded"] + d["decoder_drops"] == expected and d["queue_drops"] == 0
        note = "received %d/%d datagrams, decoded %d + dropped %d of %d records, kernel drops %d; pipeline queue drops %d, consumer drops %d" % (
            d["received"], sent, d["decoded"], d["decoder_drops"], expected, d["kernel"], d["queue_drops"], d["consumer_drops"])
        note += "; CPU %.2f s: %s" % (total, ", ".join("%s %.2f" % kv for kv in top))
        return ok, sent, secs, rate, expected, note, ok and d["consumer_drops"] == 0, (total, self.last_cpu[1])

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Nfcapd:
    name = "nfcapd"

    def trial(self, corpus, pps, seconds):
        work = tempfile.mkdtemp(prefix="nfcapd-bench-")
        logf = open(os.path.join(work, "nfcapd.log"), "w")
        p = subprocess.Popen(ns(["nfcapd", "-b", "127.0.0.1", "-p", str(corpus.port), "-w", work, "-t", "3600", "-B", str(BUFFER)]),
                             stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(lambda: "Startup" in open(logf.name).read(), "nfcapd startup")
            loops = corpus.loops(pps or TOP_SPEED_GUESS, seconds)
            cpu0 = session_cpu(p.pid)
            sent, secs, rate = tcpreplay(corpus.path, pps, loops)
            await_drained(corpus.port)
            drops = udp_socket(corpus.port)[1]
            cpu = sum(v for _, v in cpu_delta(cpu0, session_cpu(p.pid)).values())
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(60)
            logf.close()
        text = open(logf.name).read()
        shutil.rmtree(work, ignore_errors=True)
        m = re.search(r"Flows: (\d+), Packets", text)
        flows = int(m.group(1)) if m else -1
        expected = loops * corpus.records
        ok = drops == 0 and flows == expected
        return ok, sent, secs, rate, expected, "stored %d of %d records, kernel drops %d; CPU %.2f s" % (flows, expected, drops, cpu), ok, (cpu, None)

    def close(self):
        pass


class Nfacctd:
    name = "nfacctd"

    def trial(self, corpus, pps, seconds):
        work = tempfile.mkdtemp(prefix="nfacctd-bench-")
        conf = os.path.join(work, "nfacctd.conf")
        csv = os.path.join(work, "proto.csv")
        with open(conf, "w") as f:
            f.write("\n".join([
                "daemonize: false", "nfacctd_ip: 127.0.0.1", "nfacctd_port: %d" % corpus.port,
                "nfacctd_pipe_size: %d" % BUFFER,  # the socket's receive buffer
                "plugin_pipe_size: 268435456", "plugin_buffer_size: 102400",
                "plugins: print[p]", "aggregate[p]: proto, flows", "print_output[p]: csv",
                "print_output_file[p]: " + csv, "print_refresh_time: 3600", ""]))
        logf = open(os.path.join(work, "nfacctd.log"), "w")
        p = subprocess.Popen(ns(["nfacctd", "-f", conf]), stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(lambda: "waiting for NetFlow" in open(logf.name).read(), "nfacctd startup")
            loops = corpus.loops(pps or TOP_SPEED_GUESS, seconds)
            cpu0 = session_cpu(p.pid)
            sent, secs, rate = tcpreplay(corpus.path, pps, loops)
            await_drained(corpus.port)
            drops = udp_socket(corpus.port)[1]
            time.sleep(0.5)  # the plugin's share: it reads the pipe behind the core process
            cpu = sum(v for _, v in cpu_delta(cpu0, session_cpu(p.pid)).values())
        finally:
            p.send_signal(signal.SIGINT)  # the print plugin writes its cache on the way out
            try:
                p.wait(120)
            except subprocess.TimeoutExpired:
                p.kill()
            logf.close()
        flows = 0
        if os.path.exists(csv):
            lines = open(csv).read().splitlines()
            head = lines[0].split(",")
            for line in lines[1:]:
                flows += int(line.split(",")[head.index("FLOWS")])
        missing = "Missing data" in open(logf.name).read()
        shutil.rmtree(work, ignore_errors=True)
        expected = loops * corpus.records
        ok = drops == 0 and flows == expected and not missing
        return ok, sent, secs, rate, expected, "accounted %d of %d records, kernel drops %d%s; CPU %.2f s" % (
            flows, expected, drops, ", plugin pipe lost data" if missing else "", cpu), ok, (cpu, None)

    def close(self):
        pass


def wait_for(cond, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise RuntimeError("timed out waiting for " + what)


# ---------------------------------------------------------------------------------------- search

def sender_ceiling(corpus, seconds):
    loops = corpus.loops(TOP_SPEED_GUESS, seconds)
    sent, secs, rate = tcpreplay(corpus.path, None, loops)
    return rate


def best_rate(collector, corpus, seconds, steps, trials, strict=False):
    """Top speed first; if the collector did not keep up, bisect on the rate below what was sent.

    strict: Flowlens must also have delivered every record to every consumer (no consumer drops)."""
    tag = collector.name + (" (every consumer)" if strict else "")

    def attempt(pps):
        # a failure may be another process's burst on a shared machine: a second try decides
        r = collector.trial(corpus, pps, seconds)
        if not (r[6] if strict else r[0]) and (pps is None or r[3] >= 0.97 * pps):
            log("  %-8s %s: failed once (%s), trying again" % (tag, "top speed" if pps is None else "%d/s" % pps, r[5]))
            r = collector.trial(corpus, pps, seconds)
        return r

    r = attempt(None)
    ok, rate, note = (r[6] if strict else r[0]), r[3], r[5]
    trials.append((tag, corpus.name, "top speed", rate, ok, note))
    log("  %-8s top speed %8.0f datagrams/s: %s (%s)" % (tag, rate, "ok" if ok else "FAIL", note))
    if ok:
        return rate, True, cpu_per_million(r)
    lo, hi = 0.0, rate
    best = 0.0
    cpu = None
    for _ in range(steps):
        mid = (lo + hi) / 2 if lo > 0 else hi / 2
        r = attempt(int(mid))
        ok, actual, note = (r[6] if strict else r[0]), r[3], r[5]
        achieved = actual >= 0.97 * mid
        trials.append((tag, corpus.name, "%d/s" % mid, actual, ok, note + ("" if achieved else "; the sender fell short of the rate asked")))
        log("  %-8s %8d datagrams/s asked, %8.0f sent: %s (%s)" % (tag, mid, actual, "ok" if ok else "FAIL", note))
        if ok and actual > best:
            best = actual
            cpu = cpu_per_million(r)
        if ok and achieved:
            lo = mid
        else:
            hi = mid  # failed, or the sender could not go that fast: nothing higher can be shown
        if lo > 0 and hi - lo < 0.03 * hi:
            break
    return best, False, cpu


def cpu_per_million(r):
    """(collector's CPU seconds, receive threads' CPU seconds or None) per million records of a trial."""
    total, receive = r[7]
    m = r[4] / 1e6
    return total / m, (receive / m if receive is not None else None)


def machine():
    load = open("/proc/loadavg").read().split()[:3]
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return "%d cores (%s), load average %s" % (os.cpu_count(), cpu, " / ".join(load))


def main():
    global NS, BUFFER
    ap = argparse.ArgumentParser()
    ap.add_argument("--netns", default=NS)
    ap.add_argument("--jar", default="runtime/target/flowlens.jar")
    ap.add_argument("--java-options", default="", help="JVM options for Flowlens, space-separated (default: none, the JVM's defaults)")
    ap.add_argument("--config", default="config")
    default_corpus = os.path.join(os.environ.get("FLOWLENS_CORPUS", "../shared/corpus"), "exports")
    ap.add_argument("--corpus", default=default_corpus)
    ap.add_argument("--formats", default="v5,v9,ipfix-pmacctd,ipfix")
    ap.add_argument("--collectors", default="flowlens,nfcapd,nfacctd")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--out")
    ap.add_argument("--buffer", type=int, default=8 << 20, help="receive buffer asked by every collector (bytes)")
    a = ap.parse_args()
    NS = a.netns
    BUFFER = a.buffer
    formats = a.formats.split(",")
    names = a.collectors.split(",")
    started = machine()
    log("machine at start: " + started)

    trials = []
    results = {}
    strict = {}
    ceilings = {}
    consumers = []
    flowlens = None
    for fmt in formats:
        corpus = Corpus(a.corpus, fmt)
        log("%s: %s, %d datagrams, %d records (%.1f per datagram)" % (fmt, corpus.name, corpus.datagrams, corpus.records, corpus.records / corpus.datagrams))
    # one collector at a time (they listen on the corpus files' ports), every format in turn
    for n in names:
        c = None
        try:
            if n == "flowlens":
                c = flowlens = Flowlens(a.jar, a.config, a.java_options.split())
                for _ in range(3):  # warm-up: JIT compilation, template caches, every consumer started
                    for fmt in formats:
                        c.trial(Corpus(a.corpus, fmt), 30000, 2)
                consumers = c.consumers()
                log("Flowlens consumers: " + ", ".join(consumers))
            else:
                c = Nfcapd() if n == "nfcapd" else Nfacctd()
            for fmt in formats:
                corpus = Corpus(a.corpus, fmt)
                log("%s, %s:" % (c.name, fmt))
                results[(fmt, n)] = best_rate(c, corpus, a.seconds, a.steps, trials) + (corpus.records / corpus.datagrams,)
                if n == "flowlens":
                    strict[fmt] = best_rate(c, corpus, a.seconds, a.steps, trials, strict=True)
        finally:
            if c is not None:
                c.close()
    # the sender's ceiling with no collector running (measured after Flowlens stopped)
    for fmt in formats:
        ceilings[fmt] = sender_ceiling(Corpus(a.corpus, fmt), a.seconds)
    ended = machine()

    label = {"flowlens": "Flowlens", "nfcapd": "nfcapd", "nfacctd": "nfacctd"}
    out = []
    out.append("Machine: start %s; end %s." % (started, ended))
    out.append("Receive buffer asked by every collector: %d bytes (net.core.rmem_max %s)." % (BUFFER, open("/proc/sys/net/core/rmem_max").read().strip()))
    if consumers:
        out.append("Flowlens consumers running: " + ", ".join(consumers) + ".")
    if "flowlens" in names:
        out.append("Flowlens JVM options: " + (a.java_options or "none (the JVM's defaults)") + ".")
    out.append("")
    out.append("| format (corpus file, records/datagram) | sender ceiling | " + " | ".join(label[n] for n in names) + " | Flowlens / faster peer |")
    out.append("|---|---|" + "---|" * len(names) + "---|")
    for fmt in formats:
        corpus = Corpus(a.corpus, fmt)
        per = corpus.records / corpus.datagrams
        row = ["%s (`%s`, %.1f)" % (fmt, corpus.name, per), "%.0f k/s (%.2f M rec/s)" % (ceilings[fmt] / 1000, ceilings[fmt] * per / 1e6)]
        for n in names:
            best, top, _, _ = results[(fmt, n)]
            cell = "%s%.2f M rec/s (%.0f k datagrams/s)" % ("≥ " if top else "", best * per / 1e6, best / 1000)
            if n == "flowlens" and fmt in strict:
                sb, st, _ = strict[fmt]
                cell += "; every consumer keeping up: %s%.2f M rec/s" % ("≥ " if st else "", sb * per / 1e6)
            row.append(cell)
        peers = [results[(fmt, n)][0] for n in names if n != "flowlens"]
        if "flowlens" in names and peers and max(peers) > 0:
            row.append("%.2f×" % (results[(fmt, "flowlens")][0] / max(peers)))
        else:
            row.append("")
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("CPU per million records at each collector's highest passing rate (utime + stime of all its threads and"
               " processes from /proc, from the start of the replay until every record was accounted for; Flowlens: the whole"
               " JVM, consumers included, and its UDP receiver threads alone):")
    out.append("")
    out.append("| format | " + " | ".join(label[n] for n in names) + " |")
    out.append("|---|" + "---|" * len(names))
    for fmt in formats:
        row = [fmt]
        for n in names:
            c = results[(fmt, n)][2]
            if c is None:
                row.append("no passing trial")
            elif c[1] is not None:
                row.append("%.2f s (receivers %.2f s)" % c)
            else:
                row.append("%.2f s" % c[0])
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("A trial passes when the kernel dropped no datagram for the collector's socket and the collector accounted for every"
               " record sent (Flowlens: received every datagram, decoded every record, no pipeline queue drop; its consumers may"
               " lose batches, counted per consumer: the second Flowlens figure is the highest rate at which none did).")
    out.append("")
    out.append("Trials (rate asked, datagrams/s sent, pass, what the collector accounted):")
    out.append("")
    for c, f, asked, actual, ok, note in trials:
        out.append("- %s, %s, %s: %.0f/s sent, %s; %s" % (c, f, asked, actual, "pass" if ok else "fail", note))
    report = "\n".join(out)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
