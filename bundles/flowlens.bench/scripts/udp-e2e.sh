#!/usr/bin/env bash
# End-to-end UDP collector benchmark, run by hand (not in CI): replays flow-export corpora at full
# speed with tcpreplay inside a network namespace to Flowlens (the default runtime, all its consumers
# running), nfcapd (nfdump) and nfacctd (pmacct), one after the other in the same run, and reports
# for each the highest rate at which every datagram was received and every record decoded or
# counted as dropped, with no kernel drops.
#
#   sudo bundles/flowlens.bench/scripts/udp-e2e.sh [options]     (from the repository root)
#
# Options (all optional):
#   --jar PATH            Flowlens runtime jar (default runtime/target/flowlens.jar; build it with
#                         mvn -B -o -DskipTests install)
#   --corpus DIR          flow-export corpus (default ../shared/corpus/exports, or $FLOWLENS_CORPUS/exports)
#   --formats LIST        comma-separated: v5,v9,ipfix,ipfix-pmacctd (default v5,v9,ipfix-pmacctd,ipfix)
#   --collectors LIST     comma-separated: flowlens,nfcapd,nfacctd (default all three)
#   --seconds N           length of one trial (default 5)
#   --steps N             bisection steps per collector and format (default 5)
#   --out FILE            also write the Markdown report to FILE
#   --buffer BYTES        receive buffer every collector asks for (default 8388608)
#   --java-options=OPTS   JVM options for Flowlens, space-separated, e.g. --java-options="-Xmx1g -Xlog:gc" (default none: the JVM's defaults)
#
# Needs root (network namespace), java 17, tcpreplay, nfdump, pmacct, curl, python3:
#   apt-get install tcpreplay nfdump pmacct curl python3 iproute2
# The network namespace "flbench" is created and removed by the script; net.core.rmem_max is
# raised to 64 MiB for the run (every collector asks for the same receive buffer, --buffer, 8 MiB by default) and restored.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "udp-e2e.sh needs root (it creates a network namespace)" >&2
    exit 1
fi
for tool in ip tcpreplay nfcapd nfacctd curl python3 java; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (apt-get install tcpreplay nfdump pmacct curl python3 iproute2)" >&2; exit 1; }
done

NS=flbench
old_rmem=$(sysctl -n net.core.rmem_max)
cleanup() {
    ip netns del "$NS" 2>/dev/null || true
    sysctl -q -w net.core.rmem_max="$old_rmem" || true
}
trap cleanup EXIT

ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
# replayed frames carry 127.0.0.1 as source: without these the kernel drops them as martians
ip netns exec "$NS" sysctl -q -w net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.lo.route_localnet=1 \
    net.ipv4.conf.all.accept_local=1 net.ipv4.conf.lo.accept_local=1
sysctl -q -w net.core.rmem_max=$((64 << 20))

python3 "$here/udp_e2e.py" --netns "$NS" "$@"
