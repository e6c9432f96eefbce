// SHA-256 (FIPS 180-4) of short messages in plain JavaScript (core layer), for hosts whose native
// hash costs more per call than the hashing itself: on Node a one-shot crypto.hash of a Merkle
// node's 65 bytes takes ~0.8–1.5 µs, nearly all of it call and Buffer overhead, where these
// two compressions take a fraction of that and allocate only the 32-byte digest. The block
// producer hashes two of them per transaction (leaf and node), on the gateway's main thread.
// Platform-neutral (no host API), so it runs under XS too; a provider chooses whether to use it.

/** The longest message hashed here: its padding still fits in two 64-byte blocks. */
export const SHA256_SHORT_MAX = 119;

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * Scratch (module state, reused by every call: the function is synchronous and not re-entrant).
 * Made on first use, not when the module loads: a preloaded module's load-time buffers are
 * read-only on a Moddable device.
 */
let W: Int32Array;
let H: Int32Array;
let BLOCKS: Uint8Array | undefined;

function compress(block: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const j = at + 4 * i;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/**
 * SHA-256 of `parts` concatenated (at most SHA256_SHORT_MAX bytes together), without
 * concatenating them first: a Merkle node is hashed straight from its prefix and two children.
 */
export function sha256Short(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  if (length > SHA256_SHORT_MAX) throw new RangeError(`sha256Short: more than ${SHA256_SHORT_MAX} bytes`);
  if (!BLOCKS) {
    W = new Int32Array(64);
    H = new Int32Array(8);
    BLOCKS = new Uint8Array(128);
  }
  length = 0;
  for (const part of parts) {
    BLOCKS.set(part, length);
    length += part.length;
  }
  const total = length + 9 <= 64 ? 64 : 128;
  BLOCKS[length] = 0x80;
  BLOCKS.fill(0, length + 1, total - 4);
  // The bit length in the last 8 bytes, big-endian; its high 32 bits are 0 here.
  const bits = length * 8;
  BLOCKS[total - 4] = bits >>> 24;
  BLOCKS[total - 3] = (bits >>> 16) & 0xff;
  BLOCKS[total - 2] = (bits >>> 8) & 0xff;
  BLOCKS[total - 1] = bits & 0xff;
  H[0] = 0x6a09e667;
  H[1] = 0xbb67ae85;
  H[2] = 0x3c6ef372;
  H[3] = 0xa54ff53a;
  H[4] = 0x510e527f;
  H[5] = 0x9b05688c;
  H[6] = 0x1f83d9ab;
  H[7] = 0x5be0cd19;
  compress(BLOCKS, 0);
  if (total === 128) compress(BLOCKS, 64);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}
