#!/usr/bin/env bash
# Scrape time of /metrics with about 50,000 flow series while records keep arriving.
# Run from the repository root after `mvn -B -DskipTests install`: bundles/flowlens.bench/scripts/prometheus-scrape.sh
# FLOWLENS_JAR=<file> runs another assembled runtime (e.g. a copy of an earlier build, to compare);
# SCRAPES=<n> scrapes per pass. Two passes while records arrive: plain text as curl asks for it,
# then with Accept-Encoding: gzip as Prometheus asks for it. Then, with the feeder stopped, the CPU
# time of the whole Flowlens process per scrape (utime + stime from /proc, GC and JIT included):
# the figure that a busy shared machine does not distort.
set -euo pipefail
root=$(pwd)
jar=$(realpath "${FLOWLENS_JAR:-$root/runtime/target/flowlens.jar}")
scrapes=${SCRAPES:-20}
work=$(mktemp -d)
port=${PORT:-18181}
series=${SERIES:-50000}
cp -r "$root/config" "$work/"
rm -f "$work"/config/flowlens.collector.udp-*.cfg "$work"/config/org.flowlens.capture.pcap.live-*.cfg
sed -i "s/^maxSeries=.*/maxSeries=I\"$((series + 1000))\"/" "$work/config/flowlens.prometheus.flows.cfg"
cd "$work"
FLOWLENS_HTTP_PORT=$port java -Xmx1g -jar "$jar" > flowlens.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done

ingest() { # $1 = first index, $2 = count: distinct source/destination pairs, TCP
    python3 - "$1" "$2" <<'PY' | curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$port/ingest"
import json, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps([{"router": "192.0.2.1", "src_ip": "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255),
                   "dst_ip": "198.51.100.%d" % (i % 250), "protocol": "TCP", "dst_port": 443, "bytes": 1000, "packets": 2}
                  for i in range(first, first + n)]))
PY
}
for start in $(seq 0 5000 $((series - 1))); do ingest "$start" 5000; done
# keep records arriving (the same keys) during the scrapes, bounded to 180 s
( end=$((SECONDS + 180)); while [ $SECONDS -lt $end ]; do ingest 0 5000; done ) &
feeder=$!
sleep 2
report() { # $1 = what; reads times from stdin
    sort -n | awk -v what="$1" -v flows="$flows" -v lines="$lines" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
        '{t[NR]=$1} END {printf "%s: flow series per metric: %d, samples in the scrape: %d, scrape time over %d scrapes: median %.0f ms, p90 %.0f ms, max %.0f ms (load average %s)\n", what, flows, lines, NR, t[int(NR/2)+1]*1000, t[int(NR*0.9)]*1000, t[NR]*1000, load}'
}
plain=()
for i in $(seq 1 "$scrapes"); do
    plain+=("$(curl -s -o metrics.txt -w '%{time_total}' "http://127.0.0.1:$port/metrics")")
done
gzipped=()
for i in $(seq 1 "$scrapes"); do
    gzipped+=("$(curl -s -o metrics.gz -H 'Accept-Encoding: gzip' -w '%{time_total}' "http://127.0.0.1:$port/metrics")")
done
kill $feeder 2>/dev/null || true
wait $feeder 2>/dev/null || true
sleep 3 # the last ingest request in flight
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
now() { date +%s%N; }
tick=$(getconf CLK_TCK)
# what the process uses meanwhile without scrapes (timers, detectors, the store), subtracted below
c0=$(cpu); t0=$(now); sleep 5; idle=$(( ($(cpu) - c0) * 1000000000 / tick * 1000 / ($(now) - t0) )) # per mille of a core
for enc in identity gzip; do
    curl -s -o /dev/null -H "Accept-Encoding: $enc" "http://127.0.0.1:$port/metrics"
    c0=$(cpu); t0=$(now)
    for i in $(seq 1 "$scrapes"); do curl -s -o /dev/null -H "Accept-Encoding: $enc" "http://127.0.0.1:$port/metrics"; done
    c1=$(cpu); t1=$(now)
    awk -v d=$((c1 - c0)) -v n="$scrapes" -v t="$tick" -v enc="$enc" -v idle="$idle" -v wall=$(( (t1 - t0) / 1000000 )) \
        'BEGIN {printf "Accept-Encoding: %s, feeder stopped: Flowlens process CPU per scrape %.0f ms (mean of %d; %.0f ms before subtracting %.1f%% of a core used without scrapes)\n", enc, (d * 1000 / t - wall * idle / 1000) / n, n, d * 1000 / t / n, idle / 10}' >> cpu.txt
done
flows=$(grep -c '^flow_flows_total{' metrics.txt || true)
lines=$(grep -vc '^#' metrics.txt || true)
printf '%s\n' "${plain[@]}" | report "text, $(stat -c %s metrics.txt) bytes"
printf '%s\n' "${gzipped[@]}" | report "Accept-Encoding: gzip, $(stat -c %s metrics.gz) bytes"
cat cpu.txt
