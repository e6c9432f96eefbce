// Deterministic "random" bytes for tests (test layer, platform-neutral): a
// 32-bit xorshift stream from a seed. Not cryptographic: it only has to make
// the same device key in every run.

import type { RandomSource } from '../../src/ports/index.js';

export function seededRandom(seed: number): RandomSource {
  let state = (seed | 0) || 0x9e3779b9;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = state & 0xff;
    }
    return out;
  };
}
