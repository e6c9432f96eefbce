#!/usr/bin/env bash
# Installs the compilers the cross-compile check (tools/toolchains/check-modules.sh) uses, from
# Debian's packages, so that a break of the ESP32 build shows up without the Moddable SDK:
#   gcc-xtensa-lx106        — an Xtensa compiler (the ESP8266's lx106 core; the ESP32's LX6/LX7
#                             need Espressif's own toolchain, but the ISA, -mlongcalls and the
#                             32-bit ABI are the same family)
#   gcc-riscv64-unknown-elf — RISC-V bare metal; with -march=rv32imc -mabi=ilp32 it targets the
#                             ESP32-C3/C6 cores
#   picolibc-xtensa-lx106-elf, picolibc-riscv64-unknown-elf — the C library headers for both
#                             (the bare-metal compilers ship none; <stdlib.h>, <string.h>, <stdint.h>)
#   gcc-multilib            — `gcc -m32`, to build and run the vendored library and the shared
#                             vectors as a 32-bit program on the CI machine
# Idempotent and silent when everything is present. Usage: sudo bash tools/toolchains/install-cross.sh
set -euo pipefail
source "$(dirname "$0")/../apt/apt-install.sh"

# Debian package -> a file it provides that proves it is installed
declare -A PROVIDES=(
  [gcc-xtensa-lx106]=xtensa-lx106-elf-gcc
  [gcc-riscv64-unknown-elf]=riscv64-unknown-elf-gcc
  [picolibc-xtensa-lx106-elf]=/usr/lib/xtensa-lx106-elf/picolibc.specs
  [picolibc-riscv64-unknown-elf]=/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs
  [gcc-multilib]=/usr/lib/gcc/x86_64-linux-gnu/*/32/crtbegin.o
)

present() {
  local probe=$1
  if [[ $probe == /* ]]; then
    compgen -G "$probe" >/dev/null
  else
    command -v "$probe" >/dev/null 2>&1
  fi
}

missing=()
for pkg in gcc-xtensa-lx106 gcc-riscv64-unknown-elf picolibc-xtensa-lx106-elf picolibc-riscv64-unknown-elf gcc-multilib; do
  # gcc -m32 only exists on x86-64 (Debian's multilib); elsewhere the check skips the 32-bit run.
  if [[ $pkg == gcc-multilib && "$(uname -m)" != x86_64 ]]; then continue; fi
  present "${PROVIDES[$pkg]}" || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

apt_install install-cross tools/toolchains/install-cross.sh "${missing[@]}"
for pkg in "${missing[@]}"; do
  present "${PROVIDES[$pkg]}" || { echo "install-cross: $pkg installed but ${PROVIDES[$pkg]} not found" >&2; exit 1; }
done
