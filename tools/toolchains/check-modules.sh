#!/usr/bin/env bash
# Compiles the firmware's C modules for the ESP32's two CPU families with the C flags Moddable's
# esp32 makefile uses, without the Moddable SDK or ESP-IDF (tools layer, CI and by hand), and
# prints the code and constant-table sizes of each object. It exists because the ESP32 build
# broke where the desktop build did not: only the esp32 makefile passes -DHAVE_CONFIG_H.
#
#   xtensa  xtensa-lx106-elf-gcc, -mlongcalls -mtext-section-literals (ESP32, ESP32-S2/S3 are
#           Xtensa LX6/LX7; Debian ships the lx106 compiler of the same family)
#   rv32    riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 (ESP32-C3/C6)
#
# Every C file under modules/ that includes no SDK header is compiled for both; files under a
# vendor/ folder are compiled through the module file that includes them, with its configuration.
# With $MODDABLE set, the files that need the SDK's XS headers are compiled too (XS headers from
# the SDK, an empty generated mc.xs.h); a file that also needs ESP-IDF (random-hw.c) is listed as
# skipped. Install the compilers with tools/toolchains/install-cross.sh.
# Usage: bash tools/toolchains/check-modules.sh      (exit 1 on any error or warning)
set -euo pipefail
cd "$(dirname "$0")/../.."

# The esp32 build's C flags: $MODDABLE/tools/mcconfig/make.esp32.mk, C_DEFINES and
# C_COMMON_FLAGS/C_FLAGS (Moddable SDK 6/7), without the dependency-file and linker options.
ESP32_DEFINES=(-D__ets__ -U__STRICT_ANSI__ -DESP32=1)
ESP32_FLAGS=(-c -Os -g -Wno-unused-variable -Wpointer-arith -fno-inline-functions -nostdlib
  -falign-functions=4 -fdata-sections -ffunction-sections -fno-jump-tables -fstrict-volatile-bitfields
  -DWITH_POSIX -DHAVE_CONFIG_H -D BOOTLOADER_BUILD=1 -DESP_PLATFORM
  -Wno-implicit-function-declaration -std=gnu17)
XTENSA_FLAGS=(-mlongcalls -mtext-section-literals)
RV32_FLAGS=(-march=rv32imc -mabi=ilp32)
# Ours on top: every warning, as errors, and an undeclared function is an error again.
WARNINGS=(-Wall -Wextra -Werror -Werror=implicit-function-declaration)

# The bare-metal compilers ship no C library; Debian's picolibc gives the headers.
XTENSA_CC=(xtensa-lx106-elf-gcc --specs=/usr/lib/xtensa-lx106-elf/picolibc.specs)
RV32_CC=(riscv64-unknown-elf-gcc --specs=/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs)

for tool in xtensa-lx106-elf-gcc riscv64-unknown-elf-gcc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-modules: $tool not found; run: sudo bash tools/toolchains/install-cross.sh" >&2; exit 2; }
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0

# size <size tool> <object>: code (.text, .literal), rodata, data and bss bytes of one object.
sizes() {
  "$1" -A "$2" | awk '
    /^\.text|^\.literal/ { code += $2 } /^\.rodata|^\.srodata/ { rodata += $2 }
    /^\.data|^\.sdata/ { data += $2 } /^\.bss|^\.sbss/ { bss += $2 }
    END { printf "code=%d rodata=%d data=%d bss=%d\n", code, rodata, data, bss }'
}

# compile <target> <file> [extra flags...]
compile() {
  local target=$1 file=$2; shift 2
  local obj="$out/$target-$(echo "$file" | tr / _).o" cc size
  if [[ $target == xtensa ]]; then cc=("${XTENSA_CC[@]}" "${XTENSA_FLAGS[@]}"); size=xtensa-lx106-elf-size
  else cc=("${RV32_CC[@]}" "${RV32_FLAGS[@]}"); size=riscv64-unknown-elf-size; fi
  if "${cc[@]}" "${ESP32_DEFINES[@]}" "${ESP32_FLAGS[@]}" "${WARNINGS[@]}" "$@" "$file" -o "$obj"; then
    echo "size $target $file $(sizes "$size" "$obj")"
  else
    echo "FAIL $target $file" >&2
    failed=1
  fi
}

sdk_header='#include[[:space:]]*"(xsmc|xs|xsHost|xsPlatform|mc\.xs)\.h"'
idf_header='#include[[:space:]]*"esp_[a-z_]+\.h"'
mapfile -t files < <(find modules -name '*.c' -not -path '*/vendor/*' | sort)
for file in "${files[@]}"; do
  if ! grep -Eq "$sdk_header" "$file"; then
    compile xtensa "$file"
    compile rv32 "$file"
  elif [[ -z ${MODDABLE:-} ]]; then
    echo "skip $file: needs the Moddable SDK's headers (set \$MODDABLE to compile it)"
  elif grep -Eq "$idf_header" "$file"; then
    echo "skip $file: needs ESP-IDF's headers"
  else
    # A native module as mcconfig compiles it: XS headers, and the generated mc.xs.h (empty here:
    # our modules use none of its ids).
    mkdir -p "$out/generated" && : >"$out/generated/mc.xs.h"
    compile xtensa "$file" -I"$MODDABLE/xs/includes" -I"$out/generated"
    compile rv32 "$file" -I"$MODDABLE/xs/includes" -I"$out/generated"
  fi
done
exit $failed
