// The `buffer` module for engines without Node (core layer, XS only): bundles for
// XS resolve the module name "buffer" to this file (tools/xs/xs-runner.ts), so
// mqtt-packet and its BufferList run unchanged; on Node they get Node's own. The class
// is ByteBuffer, a Uint8Array subclass, exported under the name those packages import.
// Hand-written, not the
// npm `buffer` polyfill, because that one assigns to properties inherited from the
// typed-array prototypes, which Moddable freezes, and it carries far more than the
// few members mqtt-packet 9 and bl 6 call. Those are all that is here: anything
// else is missing on purpose, so an unexpected use fails loudly. `slice` is a view,
// as in Node (Uint8Array#slice copies).

import { utf8Decode, utf8Length, utf8Write } from './utf8.js';

type Encoding = 'utf8' | 'utf-8';

function checkEncoding(encoding: unknown): void {
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'utf-8') {
    throw new TypeError(`buffer shim: unsupported encoding ${String(encoding)}`);
  }
}

function checkOffset(buffer: Uint8Array, offset: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > buffer.length) {
    throw new RangeError(`buffer shim: offset ${offset} out of range`);
  }
}

export class ByteBuffer extends Uint8Array {
  static alloc(size: number): ByteBuffer {
    return new ByteBuffer(size);
  }

  static allocUnsafe(size: number): ByteBuffer {
    return new ByteBuffer(size);
  }

  /** A UTF-8 string, an array of byte values, a copy of a view, or a view of an ArrayBuffer. */
  static override from(value: unknown, offsetOrEncoding?: unknown, length?: number): ByteBuffer {
    if (typeof value === 'string') {
      checkEncoding(offsetOrEncoding);
      const out = new ByteBuffer(utf8Length(value));
      utf8Write(value, out);
      return out;
    }
    if (value instanceof ArrayBuffer) {
      const offset = typeof offsetOrEncoding === 'number' ? offsetOrEncoding : 0;
      return new ByteBuffer(value, offset, length ?? value.byteLength - offset);
    }
    if (ArrayBuffer.isView(value)) {
      const view = value as ArrayBufferView;
      const out = new ByteBuffer(view.byteLength);
      out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      return out;
    }
    if (Array.isArray(value)) {
      const out = new ByteBuffer(value.length);
      out.set(value as number[]);
      return out;
    }
    throw new TypeError('buffer shim: from() needs a string, an array, a view or an ArrayBuffer');
  }

  static isBuffer(value: unknown): value is ByteBuffer {
    return value instanceof ByteBuffer;
  }

  static byteLength(value: string | ArrayBuffer | ArrayBufferView, encoding?: Encoding): number {
    if (typeof value === 'string') {
      checkEncoding(encoding);
      return utf8Length(value);
    }
    return value.byteLength;
  }

  static concat(list: readonly Uint8Array[], totalLength?: number): ByteBuffer {
    const total = totalLength ?? list.reduce((sum, item) => sum + item.length, 0);
    const out = new ByteBuffer(total);
    let pos = 0;
    for (const item of list) {
      if (pos >= total) break;
      const part = item.length <= total - pos ? item : item.subarray(0, total - pos);
      out.set(part, pos);
      pos += part.length;
    }
    return out;
  }

  /** Node semantics: a view sharing memory (Uint8Array#slice would copy). */
  override slice(start?: number, end?: number): ByteBuffer {
    return this.subarray(start, end) as ByteBuffer;
  }

  copy(target: Uint8Array, targetStart = 0, sourceStart = 0, sourceEnd = this.length): number {
    const end = Math.min(sourceEnd, this.length, sourceStart + (target.length - targetStart));
    if (end <= sourceStart) return 0;
    target.set(this.subarray(sourceStart, end), targetStart);
    return end - sourceStart;
  }

  override toString(encoding?: Encoding, start = 0, end = this.length): string {
    checkEncoding(encoding);
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    return utf8Decode(this, from, to);
  }

  /** write(string[, offset[, length]][, encoding]): UTF-8, whole characters only; returns bytes written. */
  write(text: string, offsetOrEncoding?: number | Encoding, lengthOrEncoding?: number | Encoding, encoding?: Encoding): number {
    const offset = typeof offsetOrEncoding === 'number' ? offsetOrEncoding : 0;
    const limit = typeof lengthOrEncoding === 'number' ? lengthOrEncoding : this.length - offset;
    checkEncoding(typeof offsetOrEncoding === 'string' ? offsetOrEncoding : typeof lengthOrEncoding === 'string' ? lengthOrEncoding : encoding);
    if (offset < 0 || offset > this.length) throw new RangeError(`buffer shim: offset ${offset} out of range`);
    return utf8Write(text, this, offset, limit);
  }

  readUInt8(offset = 0): number {
    checkOffset(this, offset, 1);
    return this[offset]!;
  }

  readUInt16BE(offset = 0): number {
    checkOffset(this, offset, 2);
    return (this[offset]! << 8) | this[offset + 1]!;
  }

  readUInt32BE(offset = 0): number {
    checkOffset(this, offset, 4);
    return this[offset]! * 0x1000000 + ((this[offset + 1]! << 16) | (this[offset + 2]! << 8) | this[offset + 3]!);
  }

  writeUInt8(value: number, offset = 0): number {
    checkOffset(this, offset, 1);
    this[offset] = value;
    return offset + 1;
  }

  writeUInt16BE(value: number, offset = 0): number {
    checkOffset(this, offset, 2);
    this[offset] = value >>> 8;
    this[offset + 1] = value;
    return offset + 2;
  }

  writeUInt32BE(value: number, offset = 0): number {
    checkOffset(this, offset, 4);
    this[offset] = value >>> 24;
    this[offset + 1] = value >>> 16;
    this[offset + 2] = value >>> 8;
    this[offset + 3] = value;
    return offset + 4;
  }
}

/** Exported under the class name that mqtt-packet and bl expect of their byte-buffer module. */
export { ByteBuffer as Buffer };
