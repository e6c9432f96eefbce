// The device's flash outbox (hosts/moddable/outbox-flash.ts) on a simulated NOR flash: the
// same code that runs over Moddable's `flash` module on an ESP32. Runs on Node (no
// Moddable needed). The fake flash refuses what real NOR refuses (setting a bit without
// an erase), counts erases per sector, and can lose power after any number of bytes.

import test from 'ava';
import fc from 'fast-check';
import { BotError } from '../src/errors/bot-error.js';
import { ErrorCode } from '../src/errors/error-codes.js';
import { type FlashArea, createFlashOutbox, flashOutboxLimit } from '../hosts/moddable/outbox-flash.js';
import { maxReadingsTxBytes } from '../hosts/moddable/firmware.js';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { MAX_READINGS_PER_TX, MAX_SERIES, readingsBody } from '../src/tx/bodies.js';
import { TxKind } from '../src/tx/kinds.js';
import { encodeTx, signTx } from '../src/tx/tx.js';

class PowerCut extends Error {}

class FakeNorFlash implements FlashArea {
  readonly bytes: Uint8Array;
  readonly erases: number[];
  /** Bytes that may still be programmed before the power goes (undefined: never). */
  budget: number | undefined;

  constructor(readonly byteLength: number, readonly blockSize = 4096) {
    this.bytes = new Uint8Array(byteLength).fill(0xff);
    this.erases = new Array(byteLength / blockSize).fill(0);
  }

  read(offset: number, byteLength: number): ArrayBuffer {
    if (offset < 0 || offset + byteLength > this.byteLength) throw new RangeError('read out of range');
    return this.bytes.slice(offset, offset + byteLength).buffer;
  }

  write(offset: number, byteLength: number, buffer: Uint8Array): void {
    if (offset < 0 || offset + byteLength > this.byteLength) throw new RangeError('write out of range');
    for (let i = 0; i < byteLength; i++) {
      if (this.budget !== undefined && this.budget-- <= 0) throw new PowerCut();
      const old = this.bytes[offset + i]!;
      const value = buffer[i]!;
      if ((old & value) !== value) throw new Error(`NOR flash cannot set bits: byte ${offset + i} ${old.toString(16)} → ${value.toString(16)}`);
      this.bytes[offset + i] = value;
    }
  }

  erase(sector: number): void {
    if (this.budget !== undefined && this.budget-- <= 0) throw new PowerCut();
    this.bytes.fill(0xff, sector * this.blockSize, (sector + 1) * this.blockSize);
    this.erases[sector]!++;
  }
}

const tx = (seq: number, length: number) => Uint8Array.from({ length }, (_, i) => (seq * 31 + i) & 0xff);
const contents = (outbox: ReturnType<typeof createFlashOutbox>) => [...outbox.entries()].map(([seq, bytes]) => [seq, Array.from(bytes)]);
const expected = (model: Map<number, Uint8Array>) => [...model].sort((a, b) => a[0] - b[0]).map(([seq, bytes]) => [seq, Array.from(bytes)]);

test('appends, removes and reopens with the same entries in sequence order', (t) => {
  const flash = new FakeNorFlash(16 * 4096);
  const outbox = createFlashOutbox(flash, { capacity: 8, maxTxBytes: 512 });
  outbox.append(3, tx(3, 100));
  outbox.append(1, tx(1, 1));
  outbox.append(2, tx(2, 511));
  outbox.remove(1);
  outbox.remove(99); // unknown: nothing happens
  t.is(outbox.size, 2);
  const model = new Map([[2, tx(2, 511)], [3, tx(3, 100)]]);
  t.deepEqual(contents(outbox), expected(model));
  const reopened = createFlashOutbox(flash, { capacity: 8, maxTxBytes: 512 });
  t.deepEqual(contents(reopened), expected(model));
  t.is(reopened.size, 2);
});

test('refuses what the port refuses: full, duplicate seq, oversize, bad capacity', (t) => {
  const flash = new FakeNorFlash(4 * 4096);
  const outbox = createFlashOutbox(flash, { capacity: 2, maxTxBytes: 256 });
  outbox.append(1, tx(1, 10));
  t.is(t.throws(() => outbox.append(1, tx(1, 10)), { instanceOf: BotError }).code, ErrorCode.STORAGE);
  t.is(t.throws(() => outbox.append(2, tx(2, 257)), { instanceOf: BotError }).code, ErrorCode.STORAGE);
  outbox.append(2, tx(2, 256));
  t.is(t.throws(() => outbox.append(3, tx(3, 10)), { instanceOf: BotError }).code, ErrorCode.OUTBOX_FULL);
  t.deepEqual(contents(outbox), expected(new Map([[1, tx(1, 10)], [2, tx(2, 256)]])), 'refusals wrote nothing');
  const limit = flashOutboxLimit(flash, 256);
  t.is(t.throws(() => createFlashOutbox(new FakeNorFlash(4 * 4096), { capacity: limit + 1, maxTxBytes: 256 }), { instanceOf: BotError }).code, ErrorCode.BAD_PEER_CONFIG);
  t.notThrows(() => createFlashOutbox(new FakeNorFlash(4 * 4096), { capacity: limit, maxTxBytes: 256 }));
});

test('a long churn wears every sector evenly and keeps long-lived entries through reclaims', (t) => {
  const flash = new FakeNorFlash(16 * 4096);
  const options = { capacity: 64, maxTxBytes: 400 };
  let outbox = createFlashOutbox(flash, options);
  const model = new Map<number, Uint8Array>();
  // Five entries stay for the whole run (a transaction waiting for its proof for a long time).
  for (let seq = 1; seq <= 5; seq++) {
    outbox.append(seq, tx(seq, 300));
    model.set(seq, tx(seq, 300));
  }
  let appendedBytes = 0;
  for (let seq = 6; seq < 6000; seq++) {
    const bytes = tx(seq, 150 + (seq % 250));
    outbox.append(seq, bytes);
    model.set(seq, bytes);
    appendedBytes += bytes.length;
    if (seq > 40) {
      outbox.remove(seq - 35);
      model.delete(seq - 35);
    }
    if (seq % 997 === 0) outbox = createFlashOutbox(flash, options); // a reboot now and then
  }
  t.deepEqual(contents(outbox), expected(model));
  t.deepEqual(contents(createFlashOutbox(flash, options)), expected(model));
  const most = Math.max(...flash.erases);
  const least = Math.min(...flash.erases);
  t.true(least > 0, 'every sector took its turn');
  t.true(most - least <= 2, `erases spread evenly: ${flash.erases.join(' ')}`);
  // Bounded wear: about one erase per sector per pass of appended bytes (plus relocated copies).
  t.true(most <= Math.ceil((appendedBytes * 1.3) / flash.byteLength) + 2, `at most ~bytes/area erases per sector: ${most}`);
  t.log(`${appendedBytes} bytes appended through a ${flash.byteLength}-byte area: ${least}..${most} erases per sector`);
});

test('a power cut at any byte of any write loses at most the operation under way', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ remove: fc.boolean(), which: fc.nat(), length: fc.integer({ min: 1, max: 300 }) }), { minLength: 50, maxLength: 400, size: 'max' }),
      fc.integer({ min: 0, max: 120_000 }),
      (ops, cutAfter) => {
        const flash = new FakeNorFlash(6 * 4096);
        const options = { capacity: 24, maxTxBytes: 300 };
        const outbox = createFlashOutbox(flash, options);
        const model = new Map<number, Uint8Array>();
        flash.budget = cutAfter;
        let pending: { seq: number; bytes?: Uint8Array } | undefined;
        let seq = 0;
        try {
          for (const op of ops) {
            if (op.remove && [...model.keys()].some((k) => !(k < 60 && k % 8 === 1))) {
              // Any entry but a few early ones that stay for the whole run, so reclaims have live
              // records to copy (and a cut can fall between a copy and the erase).
              const keys = [...model.keys()].filter((k) => !(k < 60 && k % 8 === 1));
              const victim = keys[op.which % keys.length]!;
              pending = { seq: victim };
              outbox.remove(victim);
              model.delete(victim);
            } else if (model.size < options.capacity) {
              seq++;
              const bytes = tx(seq, op.length);
              pending = { seq, bytes };
              outbox.append(seq, bytes);
              model.set(seq, bytes);
            }
            pending = undefined;
          }
        } catch (error) {
          if (!(error instanceof PowerCut)) throw error;
        }
        flash.budget = undefined;
        const after = new Map(createFlashOutbox(flash, options).entries());
        // Everything the model holds survived; the interrupted operation either happened or not.
        for (const [s, bytes] of model) {
          if (pending?.seq === s) continue;
          if (!after.has(s) || Array.from(after.get(s)!).join() !== Array.from(bytes).join()) return false;
        }
        for (const [s, bytes] of after) {
          if (model.has(s)) continue;
          if (pending?.seq !== s) return false; // nothing comes back from the dead
          if (pending.bytes && Array.from(bytes).join() !== Array.from(pending.bytes).join()) return false;
        }
        // And the reopened outbox keeps working.
        const again = createFlashOutbox(flash, options);
        for (const s of [...after.keys()]) again.remove(s);
        again.append(seq + 1, tx(seq + 1, 50));
        return contents(createFlashOutbox(flash, options)).length === 1;
      },
    ),
    { numRuns: 400, endOnFailure: true },
  );
  t.pass();
});

test('a partition holding an older firmware\'s data is used safely: dirty sectors are erased before use', (t) => {
  const flash = new FakeNorFlash(8 * 4096);
  // Junk everywhere except the first 8 bytes of each sector (which look blank).
  for (let s = 0; s < 8; s++) flash.bytes.fill(0x5a, s * 4096 + 8, (s + 1) * 4096);
  const outbox = createFlashOutbox(flash, { capacity: 16, maxTxBytes: 300 });
  const model = new Map<number, Uint8Array>();
  for (let seq = 1; seq <= 40; seq++) {
    outbox.append(seq, tx(seq, 250));
    model.set(seq, tx(seq, 250));
    if (seq > 10) {
      outbox.remove(seq - 10);
      model.delete(seq - 10);
    }
  }
  t.deepEqual(contents(createFlashOutbox(flash, { capacity: 16, maxTxBytes: 300 })), expected(model));
});

test('the outbox record size the firmware asks for bounds every READINGS transaction of that shape', (t) => {
  const crypto = createNobleCrypto();
  const key = crypto.sha256(new Uint8Array([1]));
  let checked = 0;
  for (let series = 1; series <= MAX_SERIES; series++) {
    for (const perSeries of [1, 2, 6, 32, Math.floor(MAX_READINGS_PER_TX / series)]) {
      if (series * perSeries > MAX_READINGS_PER_TX) continue;
      // Worst case: the largest values (int32 extremes take 5 CBOR bytes), the largest seq and time.
      const body = readingsBody(Array.from({ length: series }, (_, i) => ({
        quantity: 1 + (i % 8), scale: -9, interval: 86_400, values: Array.from({ length: perSeries }, (_, j) => (j % 2 ? -2_147_483_648 : 2_147_483_647)),
      })) as never);
      const wire = encodeTx(signTx(crypto, new Uint8Array(8).fill(7), {
        kind: TxKind.READINGS, sender: new Uint8Array(8).fill(9), seq: Number.MAX_SAFE_INTEGER, time: 0xffffffff, body,
      }, key));
      t.true(wire.length <= maxReadingsTxBytes(series, series * perSeries), `${series} × ${perSeries}: ${wire.length} bytes > bound ${maxReadingsTxBytes(series, series * perSeries)}`);
      checked++;
    }
  }
  t.true(checked > 30);
});
