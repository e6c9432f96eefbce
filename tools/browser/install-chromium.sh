#!/usr/bin/env bash
# Installs the headless browser the explorer's tests drive (test/explorer-browser.test.ts):
# Debian's `chromium`, run by playwright-core (which downloads no browser of its own).
# Idempotent: installs only when missing. Usage: sudo bash tools/browser/install-chromium.sh
set -euo pipefail
source "$(dirname "$0")/../apt/apt-install.sh"

find_chromium() {
  for bin in "${CHROMIUM_BIN:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [[ -n "$bin" && -x "$bin" ]] && { echo "$bin"; return; }
  done
  command -v chromium 2>/dev/null || true
}

[[ -n "$(find_chromium)" ]] || apt_install install-chromium tools/browser/install-chromium.sh chromium

bin="$(find_chromium)"
[[ -n "$bin" ]] || { echo "install-chromium: chromium still not found" >&2; exit 1; }
echo "chromium:    $bin — $("$bin" --version 2>/dev/null | head -n1)"
