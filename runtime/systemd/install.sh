#!/bin/sh
# Installs the built assemblies as systemd services: ./runtime/systemd/install.sh [assembly ...]
# (run as root from the repository root after `mvn -B -DskipTests package`).
set -eu
assemblies=${*:-flowlens}
id flowlens >/dev/null 2>&1 || useradd --system --home-dir /var/lib/flowlens --shell /usr/sbin/nologin flowlens
install -d -m 0755 /opt/flowlens
install -m 0644 runtime/systemd/flowlens@.service /etc/systemd/system/flowlens@.service
for a in $assemblies; do
    instance=$a
    [ "$a" = flowlens ] && instance=full
    install -m 0644 "runtime/target/$a.jar" "/opt/flowlens/$instance.jar"
    install -d -o flowlens -g flowlens -m 0750 "/var/lib/flowlens/$instance" "/var/lib/flowlens/$instance/plugins" "/etc/flowlens/$instance"
    # default configuration, only where the site has none yet
    for f in config/*.cfg; do
        [ -e "/etc/flowlens/$instance/$(basename "$f")" ] || install -o flowlens -g flowlens -m 0640 "$f" "/etc/flowlens/$instance/"
    done
    ln -sfn "/etc/flowlens/$instance" "/var/lib/flowlens/$instance/config"
    echo "installed flowlens@$instance: systemctl enable --now flowlens@$instance"
done
systemctl daemon-reload 2>/dev/null || true
