// Finds the compilers the cross-compile check needs (test layer, Node only): Debian's Xtensa
// and RISC-V bare-metal gcc with picolibc for tools/toolchains/check-modules.sh, and a gcc that
// builds and runs 32-bit x86 programs (`gcc -m32`, Debian's gcc-multilib) for the vector replay.
// Install them with `sudo bash tools/toolchains/install-cross.sh`.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const CROSS_INSTALL_HINT = 'run `sudo bash tools/toolchains/install-cross.sh`';

const onPath = (tool: string) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;

/** Why the Xtensa/RV32 compile check cannot run here, or undefined when it can. */
export function crossCompilersMissing(): string | undefined {
  const missing = ['xtensa-lx106-elf-gcc', 'riscv64-unknown-elf-gcc'].filter((tool) => !onPath(tool));
  if (!fs.existsSync('/usr/lib/xtensa-lx106-elf/picolibc.specs')) missing.push('picolibc-xtensa-lx106-elf');
  if (!fs.existsSync('/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs')) missing.push('picolibc-riscv64-unknown-elf');
  return missing.length > 0 ? `missing ${missing.join(', ')}: ${CROSS_INSTALL_HINT}` : undefined;
}

/** Why no 32-bit program can be built and run here, or undefined when `gcc -m32` can. */
export function gcc32Missing(): string | undefined {
  if (process.arch !== 'x64') return `gcc -m32 needs an x86-64 host (this is ${process.arch})`;
  if (!onPath('gcc')) return `gcc not found: ${CROSS_INSTALL_HINT}`;
  // Without multilib gcc still answers, but with a bare file name instead of an existing path.
  const libgcc = spawnSync('gcc', ['-m32', '-print-libgcc-file-name'], { encoding: 'utf8' }).stdout.trim();
  return fs.existsSync(libgcc) ? undefined : `gcc -m32 has no 32-bit libraries (gcc-multilib): ${CROSS_INSTALL_HINT}`;
}
