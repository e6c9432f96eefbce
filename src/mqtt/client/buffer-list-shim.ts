// The `bl` BufferList for engines without Node (core layer, XS only): bundles for XS
// give mqtt-packet's parser this class instead of bl 6. Hand-written because bl's
// BufferList assigns `BufferList.prototype.toString = …`, which throws under frozen
// built-ins (the "override mistake"; XS on a device runs hardened), and because its
// reads slice a new buffer for every byte the parser looks at. Only what the parser
// calls: append, length, consume, slice, toString and big-endian reads. Reads do not
// allocate; slice is a view when the range lies in one chunk, else a copy.

import { ByteBuffer } from './buffer-shim.js';
import { utf8Decode } from './utf8.js';

export class BufferList {
  private chunks: Uint8Array[] = [];
  length = 0;

  constructor(initial?: Uint8Array) {
    if (initial !== undefined) this.append(initial);
  }

  /** Keeps a view of `bytes` (no copy): the caller must not reuse their memory. */
  append(bytes: Uint8Array): this {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('BufferList shim: append needs a Uint8Array');
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.length += bytes.length;
    }
    return this;
  }

  consume(count: number): this {
    let left = Math.trunc(count);
    if (!(left > 0)) return this;
    while (left > 0 && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      if (left >= first.length) {
        this.chunks.shift();
        this.length -= first.length;
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        this.length -= left;
        left = 0;
      }
    }
    return this;
  }

  /** bytes [start, end) as a ByteBuffer (negative indices count from the end, as in bl). */
  slice(start = 0, end = this.length): ByteBuffer {
    const from = clamp(start < 0 ? start + this.length : start, this.length);
    const to = clamp(end < 0 ? end + this.length : end, this.length);
    if (to <= from) return ByteBuffer.alloc(0);
    let offset = from;
    for (const chunk of this.chunks) {
      if (offset < chunk.length) {
        if (offset + (to - from) <= chunk.length) {
          return new ByteBuffer(chunk.buffer as ArrayBuffer, chunk.byteOffset + offset, to - from);
        }
        break;
      }
      offset -= chunk.length;
    }
    const out = ByteBuffer.alloc(to - from);
    for (let i = from; i < to; i++) out[i - from] = this.byte(i);
    return out;
  }

  toString(encoding?: string, start = 0, end = this.length): string {
    if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'utf-8') {
      throw new TypeError(`BufferList shim: unsupported encoding ${encoding}`);
    }
    return utf8Decode(this.slice(start, end));
  }

  readUInt8(offset = 0): number {
    this.check(offset, 1);
    return this.byte(offset);
  }

  readUInt16BE(offset = 0): number {
    this.check(offset, 2);
    return (this.byte(offset) << 8) | this.byte(offset + 1);
  }

  readUInt32BE(offset = 0): number {
    this.check(offset, 4);
    return this.byte(offset) * 0x1000000 + ((this.byte(offset + 1) << 16) | (this.byte(offset + 2) << 8) | this.byte(offset + 3));
  }

  private check(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.length) {
      throw new RangeError(`BufferList shim: offset ${offset} out of range`);
    }
  }

  private byte(index: number): number {
    let i = index;
    for (const chunk of this.chunks) {
      if (i < chunk.length) return chunk[i]!;
      i -= chunk.length;
    }
    throw new RangeError(`BufferList shim: index ${index} out of range`);
  }
}

function clamp(n: number, length: number): number {
  return Math.max(0, Math.min(Math.trunc(n) || 0, length));
}
