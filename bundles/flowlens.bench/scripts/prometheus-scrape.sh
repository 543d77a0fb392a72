#!/usr/bin/env bash
# Scrape time of /metrics with about 50,000 flow series while records keep arriving.
# Run from the repository root after `mvn -B -DskipTests install`: bundles/flowlens.bench/scripts/prometheus-scrape.sh
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
port=${PORT:-18181}
series=${SERIES:-50000}
cp -r "$root/config" "$work/"
rm -f "$work"/config/flowlens.collector.udp-*.cfg "$work"/config/org.flowlens.capture.pcap.live-*.cfg
sed -i "s/^maxSeries=.*/maxSeries=I\"$((series + 1000))\"/" "$work/config/flowlens.prometheus.flows.cfg"
cd "$work"
FLOWLENS_HTTP_PORT=$port java -Xmx1g -jar "$root/runtime/target/flowlens.jar" > flowlens.log 2>&1 &
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
# keep records arriving (the same keys) during the scrapes, bounded to 60 s
( end=$((SECONDS + 60)); while [ $SECONDS -lt $end ]; do ingest 0 5000; done ) &
feeder=$!
sleep 2
times=()
for i in $(seq 1 20); do
    t=$(curl -s -o metrics.txt -w '%{time_total}' "http://127.0.0.1:$port/metrics")
    times+=("$t")
done
kill $feeder 2>/dev/null || true
flows=$(grep -c '^flow_flows_total{' metrics.txt || true)
lines=$(grep -vc '^#' metrics.txt || true)
printf '%s\n' "${times[@]}" | sort -n | awk -v flows="$flows" -v lines="$lines" \
    '{t[NR]=$1} END {printf "flow series per metric: %d, samples in the scrape: %d, scrape time over %d scrapes: median %.0f ms, p90 %.0f ms, max %.0f ms\n", flows, lines, NR, t[int(NR/2)+1]*1000, t[int(NR*0.9)]*1000, t[NR]*1000}'
