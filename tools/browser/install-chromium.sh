#!/usr/bin/env bash
# Installs the headless browser the explorer's tests drive (test/explorer-browser.test.ts):
# Debian's `chromium`, run by playwright-core (which downloads no browser of its own).
# Idempotent: installs only when missing. Usage: sudo bash tools/browser/install-chromium.sh
set -euo pipefail

find_chromium() {
  for bin in "${CHROMIUM_BIN:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [[ -n "$bin" && -x "$bin" ]] && { echo "$bin"; return; }
  done
  command -v chromium 2>/dev/null || true
}

if [[ -z "$(find_chromium)" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "install-chromium: chromium is missing; installing needs root." >&2
    echo "install-chromium: run:  sudo bash tools/browser/install-chromium.sh" >&2
    echo "install-chromium: (or:  sudo apt-get install --no-install-recommends chromium)" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: chromium is missing and there is no apt-get here; install it with your package manager." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "install-chromium: installing chromium"
  # The package lists may be absent or stale on a fresh machine: update them when the package is not known.
  if ! apt-get install -y -q --no-install-recommends chromium; then
    apt-get update -q
    apt-get install -y -q --no-install-recommends chromium
  fi
fi

bin="$(find_chromium)"
[[ -n "$bin" ]] || { echo "install-chromium: chromium still not found" >&2; exit 1; }
echo "chromium:    $bin — $("$bin" --version 2>/dev/null | head -n1)"
