// Byte helpers for the core (core layer). Hex comes from @noble/hashes; the rest
// is too small to import. No TextEncoder: the core only needs ASCII tags.

export { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic order of byte strings (for canonical sorting of keys). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** ASCII-only string to bytes, for domain tags and topic names (throws on anything else). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || c < 0x20) throw new RangeError('ascii: non-printable or non-ASCII character');
    out[i] = c;
  }
  return out;
}
