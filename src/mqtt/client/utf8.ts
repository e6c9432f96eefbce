// UTF-8 for the MQTT client's Buffer shim (core layer). Hand-written because the
// core may not use TextEncoder/TextDecoder (XS on Moddable has neither unless a
// host passes them in) and MQTT strings (topics, client ids) are UTF-8. Decoding
// follows the WHATWG decoder, so a bad sequence becomes U+FFFD exactly where
// Node's Buffer#toString puts one; a lone surrogate encodes as U+FFFD like Node.

const REPLACEMENT = 0xfffd;
// String.fromCharCode.apply takes its arguments on the stack: flush in slices.
const CHUNK = 4096;

/** Bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      length += 4;
      i++;
    } else length += 3; // BMP character, or a lone surrogate written as U+FFFD
  }
  return length;
}

/**
 * Writes `text` as UTF-8 into `out` from `offset`, stopping before a character
 * that does not fit in `limit` bytes (as Buffer#write does). Returns the bytes written.
 */
export function utf8Write(text: string, out: Uint8Array, offset = 0, limit = out.length - offset): number {
  const end = Math.min(out.length, offset + limit);
  let p = offset;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      if (p + 1 > end) break;
      out[p++] = c;
      continue;
    }
    if (c < 0x800) {
      if (p + 2 > end) break;
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && isLowSurrogate(next)) {
        if (p + 4 > end) break;
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        out[p++] = 0xf0 | (cp >> 18);
        out[p++] = 0x80 | ((cp >> 12) & 0x3f);
        out[p++] = 0x80 | ((cp >> 6) & 0x3f);
        out[p++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = REPLACEMENT;
    }
    if (p + 3 > end) break;
    out[p++] = 0xe0 | (c >> 12);
    out[p++] = 0x80 | ((c >> 6) & 0x3f);
    out[p++] = 0x80 | (c & 0x3f);
  }
  return p - offset;
}

export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  utf8Write(text, out);
  return out;
}

/** Decodes bytes[start, end) (WHATWG UTF-8 decode with replacement, no BOM handling). */
export function utf8Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let result = '';
  const units: number[] = [];
  const push = (cp: number) => {
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
    } else units.push(cp);
    if (units.length >= CHUNK) {
      result += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  };
  let codePoint = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (needed === 0) {
      if (byte <= 0x7f) push(byte);
      else if (byte >= 0xc2 && byte <= 0xdf) {
        needed = 1;
        codePoint = byte & 0x1f;
      } else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) lower = 0xa0; // no overlong 3-byte forms
        if (byte === 0xed) upper = 0x9f; // no surrogates
        needed = 2;
        codePoint = byte & 0x0f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) lower = 0x90; // no overlong 4-byte forms
        if (byte === 0xf4) upper = 0x8f; // nothing above U+10FFFF
        needed = 3;
        codePoint = byte & 0x07;
      } else push(REPLACEMENT);
      continue;
    }
    if (byte < lower || byte > upper) {
      // The sequence so far is one replacement; the byte starts afresh.
      codePoint = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      push(REPLACEMENT);
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    codePoint = (codePoint << 6) | (byte & 0x3f);
    if (++seen === needed) {
      push(codePoint);
      codePoint = needed = seen = 0;
    }
  }
  if (needed !== 0) push(REPLACEMENT);
  return units.length === 0 ? result : result + String.fromCharCode.apply(null, units);
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
