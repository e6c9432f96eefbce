#!/usr/bin/env bash
# Installs the real MQTT/NATS brokers the tests start by themselves:
#   mosquitto   — the MQTT broker test/support/mosquitto.ts spawns on a free loopback port
#   nats-server — for the consortium work (not used by the tests yet)
# Idempotent: installs only what is missing, from Debian's packages. It never leaves a
# system broker service running: the tests start their own brokers and never use 1883/4222.
# Usage: sudo bash tools/brokers/install-brokers.sh
set -euo pipefail
source "$(dirname "$0")/../apt/apt-install.sh"

# name of the Debian package -> binary it provides
PACKAGES=(mosquitto nats-server)

# /usr/sbin is where Debian puts mosquitto; it is not always on a non-root PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

find_bin() { command -v "$1" 2>/dev/null || true; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ -n "$(find_bin "$pkg")" ]] || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
  # Keep the packages' postinst from starting their services while we install: a
  # policy-rc.d that answers 101 ("action forbidden") makes invoke-rc.d and
  # deb-systemd-invoke skip the start. Only add one if the machine has none of its own.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e "$policy" && "$(id -u)" == 0 ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
    trap '[[ $own_policy == 1 ]] && rm -f "$policy"' EXIT
  fi

  apt_install install-brokers tools/brokers/install-brokers.sh "${missing[@]}"

  if ((own_policy)); then rm -f "$policy"; own_policy=0; trap - EXIT; fi
fi

# Whatever installed them (now or earlier): no system broker service may keep running or
# start at boot. Debian's packages enable mosquitto.service and nats-server.service; the
# tests start their own brokers on free loopback ports and never use 1883 or 4222.
is_root() { [[ "$(id -u)" == 0 ]]; }
for svc in mosquitto nats-server; do
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    # systemd is running: stop and disable the unit.
    if systemctl is-enabled --quiet "$svc" 2>/dev/null || systemctl is-active --quiet "$svc" 2>/dev/null; then
      if is_root; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
        echo "install-brokers: stopped and disabled the $svc system service"
      else
        echo "install-brokers: note: the $svc system service is enabled (the tests do not use it);" \
             "to turn it off: sudo systemctl disable --now $svc" >&2
      fi
    fi
    continue
  fi
  is_root || continue
  # No systemd running (a container): stop a SysV instance, and still disable the units
  # offline so that the service stays off should this machine ever boot with systemd.
  if [[ -x "/etc/init.d/$svc" ]] && "/etc/init.d/$svc" status >/dev/null 2>&1; then
    "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    echo "install-brokers: stopped the $svc system service"
  fi
  if [[ -x "/etc/init.d/$svc" ]] && command -v update-rc.d >/dev/null 2>&1; then
    update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled --quiet "$svc" 2>/dev/null; then
    systemctl disable "$svc" >/dev/null 2>&1 || true
    echo "install-brokers: disabled the $svc system service at boot"
  fi
done

mosquitto_bin="$(find_bin mosquitto)"
nats_bin="$(find_bin nats-server)"
[[ -n "$mosquitto_bin" ]] || { echo "install-brokers: mosquitto still not found" >&2; exit 1; }
[[ -n "$nats_bin" ]] || { echo "install-brokers: nats-server still not found" >&2; exit 1; }

# `mosquitto -h` prints "mosquitto version X" and exits 3; take the line, not the status.
echo "mosquitto:   $mosquitto_bin — $({ "$mosquitto_bin" -h 2>&1 || true; } | grep -m1 -i 'version')"
echo "nats-server: $nats_bin — $("$nats_bin" --version 2>&1 | head -n1)"
