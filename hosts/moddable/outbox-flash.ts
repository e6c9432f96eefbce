// OutboxStore as a log in a raw flash area (device host layer; platform-neutral code
// over the FlashArea interface: Moddable's `flash` module on an ESP32, a file that
// behaves like NOR flash on x-cli-lin, a fake in tests).
//
// Why a log and not one Preference key per transaction: signed transactions come and
// go all day; a log writes each byte of flash once per pass over the area, so every
// sector is erased at the same slow rate (bytes appended ÷ area size), and NVS keeps
// its small partition for the key, the sequence ceiling and the trusted header.
//
// Layout. The area is cut into erase sectors (4 KB on an ESP32). A sector in use starts
// with [magic u32 'BOX1'][generation u32]; generations give the log order after a
// reboot. Records follow, 4-byte aligned:
//   [state u8][0xA5][length u16][seq u32][FNV-1a u32 of the data][data][pad]
// The state byte only ever loses bits, as NOR flash allows without an erase:
//   0xFF free → 0x7F written (header + data programmed) → 0x3F valid → 0x1F removed.
// An append programs the record with state 0x7F, then flips it to 0x3F: a power cut in
// between leaves a record that is never read as valid. A removal is one byte.
//
// Space comes back by whole sectors. One erased sector is always kept spare: when the
// log needs a new sector and only the spare is left, the oldest sector's live records
// are copied to the head and the oldest sector is erased (a copy cut short by a power
// loss leaves duplicates, resolved at the next start by keeping the newest copy).
// The capacity check at creation guarantees this always frees space.

import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import type { OutboxStore } from '../../src/ports/index.js';

/** The part of Moddable's Flash class the outbox uses (offsets relative to the area). */
export interface FlashArea {
  readonly byteLength: number;
  readonly blockSize: number;
  read(offset: number, byteLength: number): ArrayBuffer;
  write(offset: number, byteLength: number, buffer: Uint8Array): void;
  erase(sector: number): void;
}

export interface FlashOutboxOptions {
  readonly capacity: number;
  /** Largest transaction the outbox must hold (a READINGS tx of the configured batch). */
  readonly maxTxBytes: number;
}

const SECTOR_MAGIC = 0x31584f42; // "BOX1" little-endian
const SECTOR_HEADER = 8;
const RECORD_HEADER = 12;
const RECORD_MAGIC = 0xa5;
const ERASED = 0xffffffff;
const State = Object.freeze({ FREE: 0xff, WRITTEN: 0x7f, VALID: 0x3f, REMOVED: 0x1f } as const);

interface Located {
  readonly sector: number;
  readonly offset: number;
  readonly length: number;
}

const pad4 = (n: number) => (n + 3) & ~3;

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

function storage(detail: string): BotError {
  return new BotError(ErrorCode.STORAGE, detail);
}

/** The most transactions of `maxTxBytes` an area can hold with room to reclaim. */
export function flashOutboxLimit(area: Pick<FlashArea, 'byteLength' | 'blockSize'>, maxTxBytes: number): number {
  const sectors = Math.floor(area.byteLength / area.blockSize);
  const record = RECORD_HEADER + pad4(maxTxBytes);
  const usable = area.blockSize - SECTOR_HEADER - record; // worst case: a record does not fit the sector's end
  return sectors < 3 || usable <= 0 ? 0 : Math.floor(((sectors - 2) * usable) / record);
}

export function createFlashOutbox(flash: FlashArea, options: FlashOutboxOptions): OutboxStore {
  const { capacity, maxTxBytes } = options;
  const size = flash.blockSize;
  const sectors = Math.floor(flash.byteLength / size);
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('outbox capacity must be a positive integer');
  if (!Number.isSafeInteger(maxTxBytes) || maxTxBytes < 1 || maxTxBytes > 0xffff) throw new RangeError('maxTxBytes must be 1..65535');
  const limit = flashOutboxLimit(flash, maxTxBytes);
  if (capacity > limit) {
    throw new BotError(ErrorCode.BAD_PEER_CONFIG, `a ${flash.byteLength}-byte flash area holds at most ${limit} transactions of ${maxTxBytes} bytes, not ${capacity}`);
  }

  const generation: number[] = new Array(sectors).fill(ERASED);
  const live: number[] = new Array(sectors).fill(0);
  const index = new Map<number, Located>();
  /** Sectors in use, oldest first; the last one is the head. */
  let order: number[] = [];
  let writeOffset = size; // no head yet: the first append opens a sector
  let topGeneration = 0;
  const one = new Uint8Array(1);
  const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

  const readBytes = (offset: number, length: number) => new Uint8Array(flash.read(offset, length));
  const setState = (at: Located, state: number) => {
    one[0] = state;
    flash.write(at.sector * size + at.offset, 1, one);
  };
  const erase = (sector: number) => {
    flash.erase(sector);
    generation[sector] = ERASED;
    live[sector] = 0;
  };

  // --- start-up scan: rebuild the index from flash ---
  for (let s = 0; s < sectors; s++) {
    const head = readBytes(s * size, SECTOR_HEADER);
    if (u32(head, 0) === SECTOR_MAGIC && u32(head, 4) !== ERASED) generation[s] = u32(head, 4);
    else if (!head.every((b) => b === 0xff)) erase(s); // a sector header cut short, or foreign data
  }
  order = generation.map((g, s) => [g, s] as const).filter(([g]) => g !== ERASED).sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  for (const s of order) {
    topGeneration = Math.max(topGeneration, generation[s]!);
    let offset = SECTOR_HEADER;
    let end = size; // where the free space of this sector starts
    while (offset + RECORD_HEADER <= size) {
      const h = readBytes(s * size + offset, RECORD_HEADER);
      if (h[0] === State.FREE) {
        end = offset;
        break;
      }
      const length = h[2]! | (h[3]! << 8);
      if (h[1] !== RECORD_MAGIC || offset + RECORD_HEADER + length > size) break; // torn header: the rest of the sector is lost space
      if (h[0] === State.VALID) {
        const data = readBytes(s * size + offset + RECORD_HEADER, length);
        if (fnv1a(data) === u32(h, 8)) {
          const seq = u32(h, 4);
          const older = index.get(seq);
          if (older !== undefined) {
            // An interrupted reclaim copied it: keep the newer copy, retire the older one.
            setState(older, State.REMOVED);
            live[older.sector]!--;
          }
          index.set(seq, { sector: s, offset, length });
          live[s]!++;
        }
      }
      offset += RECORD_HEADER + pad4(length);
    }
    // Appends continue in the newest sector's free space (none if a torn record ended its scan).
    if (s === order[order.length - 1]) writeOffset = end;
  }
  if (index.size > capacity) throw storage(`the flash outbox holds ${index.size} transactions, more than its capacity ${capacity}`);

  const freeSectors = () => generation.reduce((n, g) => n + (g === ERASED ? 1 : 0), 0);

  // Opens the next erased sector (physically after the head, so wear goes round the area).
  const openSector = () => {
    const head = order.length > 0 ? order[order.length - 1]! : sectors - 1;
    for (let i = 1; i <= sectors; i++) {
      const s = (head + i) % sectors;
      if (generation[s] !== ERASED) continue;
      // A blank header does not prove a blank sector (a partition may hold an older
      // firmware's data): erase unless every byte reads 0xFF.
      if (!readBytes(s * size, size).every((b) => b === 0xff)) erase(s);
      const header = new Uint8Array(SECTOR_HEADER);
      const g = ++topGeneration;
      header.set([g & 0xff, (g >>> 8) & 0xff, (g >>> 16) & 0xff, g >>> 24], 4);
      // Generation first, then the magic: a sector with its magic always has its generation.
      flash.write(s * size + 4, 4, header.subarray(4));
      header.set([0x42, 0x4f, 0x58, 0x31]);
      flash.write(s * size, 4, header);
      generation[s] = g;
      order.push(s);
      writeOffset = SECTOR_HEADER;
      return;
    }
    throw storage('no erased sector in the flash outbox');
  };

  const writeRecord = (seq: number, data: Uint8Array, reclaiming: boolean) => {
    const recordSize = RECORD_HEADER + pad4(data.length);
    if (writeOffset + recordSize > size) makeRoom(reclaiming);
    const head = order[order.length - 1]!;
    const record = new Uint8Array(recordSize).fill(0xff);
    const h = fnv1a(data);
    record.set([State.WRITTEN, RECORD_MAGIC, data.length & 0xff, data.length >>> 8,
      seq & 0xff, (seq >>> 8) & 0xff, (seq >>> 16) & 0xff, seq >>> 24,
      h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24]);
    record.set(data, RECORD_HEADER);
    const at: Located = { sector: head, offset: writeOffset, length: data.length };
    flash.write(head * size + writeOffset, recordSize, record);
    writeOffset += recordSize;
    setState(at, State.VALID);
    return at;
  };

  // The head is full: open a new sector, first reclaiming the oldest ones while fewer than
  // two sectors are erased (the spare is only ever used by a reclaim's own copies).
  const makeRoom = (reclaiming: boolean) => {
    if (!reclaiming) {
      for (let round = 0; freeSectors() < 2; round++) {
        if (round >= sectors || order.length < 2) throw storage('the flash outbox cannot reclaim space');
        reclaimOldest();
      }
    }
    openSector();
  };

  const reclaimOldest = () => {
    const tail = order[0]!;
    if (live[tail]! > 0) {
      const moving = [...index].filter(([, at]) => at.sector === tail).sort((a, b) => a[0] - b[0]);
      for (const [seq, at] of moving) {
        const data = readBytes(tail * size + at.offset + RECORD_HEADER, at.length);
        const copy = writeRecord(seq, data, true);
        index.set(seq, copy);
        live[copy.sector]!++;
      }
    }
    order = order.filter((s) => s !== tail);
    erase(tail);
  };

  return {
    capacity,
    get size() {
      return index.size;
    },
    append(seq: number, tx: Uint8Array): void {
      if (!Number.isSafeInteger(seq) || seq < 1 || seq > 0xffffffff) throw new RangeError(`outbox seq must be 1..2^32-1, got ${seq}`);
      if (index.size >= capacity) throw new BotError(ErrorCode.OUTBOX_FULL, `the outbox holds ${index.size} of ${capacity}`);
      if (index.has(seq)) throw storage(`seq ${seq} is already in the outbox`);
      if (tx.length < 1 || tx.length > maxTxBytes) throw storage(`a ${tx.length}-byte transaction is larger than the outbox's ${maxTxBytes}-byte records`);
      const at = writeRecord(seq, tx, false);
      index.set(seq, at);
      live[at.sector]!++;
    },
    remove(seq: number): void {
      const at = index.get(seq);
      if (at === undefined) return;
      setState(at, State.REMOVED);
      index.delete(seq);
      live[at.sector]!--;
    },
    entries(): Iterable<readonly [number, Uint8Array]> {
      // A snapshot read from flash: the caller may remove entries while it iterates.
      return [...index.keys()].sort((a, b) => a - b).map((seq) => {
        const at = index.get(seq)!;
        return [seq, readBytes(at.sector * size + at.offset + RECORD_HEADER, at.length)] as const;
      });
    },
  };
}
