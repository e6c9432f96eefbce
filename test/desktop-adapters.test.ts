// The desktop host's port adapters (test layer): file store and outbox (atomic,
// bounded, ordered, surviving kill -9 of a child process mid-write), simulated
// sensors (plausible, deterministic per seed), clock, random and log.

import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BotError, ErrorCode, Quantity } from '../src/index.js';
import { LogLevel } from '../src/ports/index.js';
import { createNodeClock } from '../hosts/desktop/clock-node.js';
import { createNodeLog, parseLogLevel } from '../hosts/desktop/log-node.js';
import { createFileOutbox } from '../hosts/desktop/outbox-file-node.js';
import { nodeRandom } from '../hosts/desktop/random-node.js';
import { SIM_SCALES, createSimSensors } from '../hosts/sensors-sim/sensors-sim.js';
import { createFileStore } from '../hosts/desktop/store-file-node.js';
import { OUTBOX_KEEP, VALUE_BYTES, entryOf, valueOf } from './support/desktop-store-child.js';

const CHILD = fileURLToPath(new URL('./support/desktop-store-child.ts', import.meta.url));
const bytes = (...values: number[]) => Uint8Array.from(values);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-desktop-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---- store-file-node ------------------------------------------------------------------------

test('file store: set, get, overwrite, delete, and the values survive a reopen', (t) => {
  const dir = tempDir(t);
  const store = createFileStore(dir);
  t.is(store.get('seq'), undefined);
  store.set('seq', bytes(1, 2, 3));
  t.deepEqual(store.get('seq'), bytes(1, 2, 3));
  store.set('seq', bytes(9));
  store.set('key', new Uint8Array(0));
  t.deepEqual(store.get('seq'), bytes(9));
  t.deepEqual(store.get('key'), new Uint8Array(0));
  const again = createFileStore(dir);
  t.deepEqual(again.get('seq'), bytes(9));
  again.delete('seq');
  again.delete('never-set'); // deleting a missing key is not an error
  t.is(createFileStore(dir).get('seq'), undefined);
  t.deepEqual(createFileStore(dir).get('key'), new Uint8Array(0));
});

test('file store: keys that could leave the folder or hide as temp files are refused', (t) => {
  const store = createFileStore(tempDir(t));
  for (const key of ['', '../x', 'a/b', '.hidden', 'x'.repeat(65), 'k.tmp', 'nul\0']) {
    t.throws(() => store.set(key, bytes(1)), { instanceOf: RangeError }, JSON.stringify(key));
    t.throws(() => store.get(key), { instanceOf: RangeError }, JSON.stringify(key));
  }
});

test('file store: a crash between the temp write and the rename leaves the old value', (t) => {
  const dir = tempDir(t);
  createFileStore(dir).set('trust', bytes(1, 1, 1));
  const crashing = createFileStore(dir, {
    beforeRename: () => {
      throw new Error('power cut');
    },
  });
  const error = t.throws(() => crashing.set('trust', bytes(2, 2, 2)), { instanceOf: BotError });
  t.is((error as BotError).code, ErrorCode.STORAGE);
  t.regex(error!.message, /power cut/);
  t.deepEqual(crashing.get('trust'), bytes(1, 1, 1), 'the old value, not the new one');
  t.true(readdirSync(dir).some((name) => name.endsWith('.tmp')), 'the temp file is what the crash left');
  const reopened = createFileStore(dir);
  t.deepEqual(reopened.get('trust'), bytes(1, 1, 1));
  t.deepEqual(readdirSync(dir), ['trust'], 'a reopen removes the stray temp file');
});

test('file store: a write error is a typed STORAGE error', (t) => {
  const dir = tempDir(t);
  const store = createFileStore(join(dir, 'kv'));
  rmSync(join(dir, 'kv'), { recursive: true });
  writeFileSync(join(dir, 'kv'), 'not a folder');
  const error = t.throws(() => store.set('seq', bytes(1)), { instanceOf: BotError });
  t.is((error as BotError).code, ErrorCode.STORAGE);
});

// ---- outbox-file-node ---------------------------------------------------------------------

test('file outbox: bounded, ascending order whatever the append order, and a reopen sees the same', (t) => {
  const dir = tempDir(t);
  const outbox = createFileOutbox(dir, { capacity: 3 });
  t.is(outbox.capacity, 3);
  outbox.append(5, bytes(5));
  outbox.append(2, bytes(2, 2));
  outbox.append(9, bytes(9, 9, 9));
  t.is(outbox.size, 3);
  t.deepEqual([...outbox.entries()], [[2, bytes(2, 2)], [5, bytes(5)], [9, bytes(9, 9, 9)]]);
  const full = t.throws(() => outbox.append(10, bytes(10)), { instanceOf: BotError });
  t.is((full as BotError).code, ErrorCode.OUTBOX_FULL);
  t.is(outbox.size, 3);
  t.is(readdirSync(dir).length, 3, 'a refused append writes nothing');

  const reopened = createFileOutbox(dir, { capacity: 3 });
  t.deepEqual([...reopened.entries()], [[2, bytes(2, 2)], [5, bytes(5)], [9, bytes(9, 9, 9)]]);
  reopened.remove(5);
  reopened.remove(77); // absent: nothing to do
  reopened.append(10, bytes(10));
  t.deepEqual([...reopened.entries()].map(([seq]) => seq), [2, 9, 10]);
  t.deepEqual([...createFileOutbox(dir, { capacity: 3 }).entries()].map(([seq]) => seq), [2, 9, 10]);
});

test('file outbox: a seq is appended once; removal while iterating is safe; stored bytes are a copy', (t) => {
  const dir = tempDir(t);
  const outbox = createFileOutbox(dir, { capacity: 10 });
  const tx = bytes(1, 2, 3);
  outbox.append(1, tx);
  tx[0] = 99;
  t.deepEqual([...outbox.entries()][0]![1], bytes(1, 2, 3));
  const dup = t.throws(() => outbox.append(1, bytes(4)), { instanceOf: BotError });
  t.is((dup as BotError).code, ErrorCode.STORAGE);
  t.throws(() => outbox.append(0, bytes(1)), { instanceOf: RangeError });
  t.throws(() => outbox.append(1.5, bytes(1)), { instanceOf: RangeError });
  for (let seq = 2; seq <= 6; seq++) outbox.append(seq, bytes(seq));
  const seen: number[] = [];
  for (const [seq] of outbox.entries()) {
    seen.push(seq);
    outbox.remove(seq);
  }
  t.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  t.is(outbox.size, 0);
  t.deepEqual(readdirSync(dir), []);
});

test('file outbox: more entries on disk than a lowered capacity are all kept, and appends wait', (t) => {
  const dir = tempDir(t);
  const big = createFileOutbox(dir, { capacity: 5 });
  for (let seq = 1; seq <= 5; seq++) big.append(seq, bytes(seq));
  const small = createFileOutbox(dir, { capacity: 2 });
  t.is(small.size, 5);
  t.is((t.throws(() => small.append(6, bytes(6)), { instanceOf: BotError }) as BotError).code, ErrorCode.OUTBOX_FULL);
  for (const seq of [1, 2, 3, 4]) small.remove(seq);
  small.append(6, bytes(6));
  t.deepEqual([...small.entries()].map(([seq]) => seq), [5, 6]);
});

// ---- kill -9 in the middle of writes -----------------------------------------------------

interface ChildRun {
  child: ChildProcess;
  lines: string[];
}

function startChild(dir: string, durable: boolean): ChildRun {
  const child = spawn(process.execPath, ['--import=tsx', CHILD, dir, durable ? '1' : '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  return { child, lines };
}

const lastOf = (lines: readonly string[], verb: string) => {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith(verb + ' ')) return Number(lines[i]!.slice(verb.length + 1));
  return 0;
};

for (const durable of [true, false]) {
  test(`file store and outbox survive kill -9 mid-write (${durable ? 'fsync' : 'no fsync'}), three times over`, async (t) => {
    const dir = tempDir(t);
    let previousSet = 0;
    for (let round = 1; round <= 3; round++) {
      const run = startChild(dir, durable);
      const exited = new Promise((resolve) => run.child.once('exit', resolve));
      const deadline = Date.now() + 20_000;
      // Let it get past where the previous round stopped, then kill it at a random moment.
      while (lastOf(run.lines, 'append') < previousSet + 20 && Date.now() < deadline) await sleep(10);
      await sleep(Math.random() * 50);
      run.child.kill('SIGKILL');
      await exited;
      const lastSet = lastOf(run.lines, 'set');
      const lastAppend = lastOf(run.lines, 'append');
      const lastRemove = lastOf(run.lines, 'remove');
      t.true(lastAppend > previousSet, `round ${round} made progress`);

      const value = createFileStore(join(dir, 'kv')).get('v');
      t.truthy(value, `round ${round}: the key has a value`);
      const n = new DataView(value!.buffer, value!.byteOffset).getUint32(0);
      t.true(n === lastSet || n === lastSet + 1, `round ${round}: value ${n} is the last set (${lastSet}) or the one in flight`);
      t.deepEqual(value, valueOf(n, VALUE_BYTES), `round ${round}: value ${n} is whole, not torn`);

      const entries = [...createFileOutbox(join(dir, 'outbox'), { capacity: OUTBOX_KEEP }).entries()];
      const seqs = entries.map(([seq]) => seq);
      for (const [seq, tx] of entries) t.deepEqual(tx, entryOf(seq), `round ${round}: entry ${seq} is whole`);
      t.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      for (let seq = lastRemove + 2; seq <= lastAppend; seq++) t.true(seqs.includes(seq), `round ${round}: appended ${seq} is there`);
      t.true(seqs.every((seq) => seq > lastRemove && seq <= lastAppend + 1), `round ${round}: nothing removed came back, nothing unwritten appeared (${seqs.join(',')})`);
      previousSet = Math.max(lastSet, n);
    }
  });
}

// ---- sensors-sim --------------------------------------------------------------------------

/** Samples every channel at each of `times` (as the peer does: one sampling reads all channels). */
function series(seed: number | Uint8Array, times: readonly number[]): number[][] {
  let now = times[0]!;
  const sensors = createSimSensors({ seed, now: () => now });
  return times.map((time) => {
    now = time;
    return sensors.map((s) => s.sample()!);
  });
}

const DAY_START = Date.UTC(2025, 5, 1);
const everyFiveMinutes = Array.from({ length: 288 }, (_, i) => DAY_START + i * 300_000);

test('sensors: three channels with declared quantities and scales, integers only', (t) => {
  const sensors = createSimSensors({ seed: 1, now: () => DAY_START });
  t.deepEqual(sensors.map((s) => [s.quantity, s.scale]), [
    [Quantity.TEMPERATURE_C, SIM_SCALES.temperature],
    [Quantity.RELATIVE_HUMIDITY_PCT, SIM_SCALES.humidity],
    [Quantity.BATTERY_PCT, SIM_SCALES.battery],
  ]);
  for (const row of series(1, everyFiveMinutes)) for (const v of row) t.true(Number.isSafeInteger(v));
});

test('sensors: deterministic per seed, different across seeds, order of channel reads does not matter', (t) => {
  const id = bytes(1, 2, 3, 4, 5, 6, 7, 8);
  t.deepEqual(series(id, everyFiveMinutes), series(bytes(1, 2, 3, 4, 5, 6, 7, 8), everyFiveMinutes));
  t.deepEqual(series(42, everyFiveMinutes), series(42, everyFiveMinutes));
  t.notDeepEqual(series(42, everyFiveMinutes), series(43, everyFiveMinutes));
  t.notDeepEqual(series(id, everyFiveMinutes), series(bytes(1, 2, 3, 4, 5, 6, 7, 9), everyFiveMinutes));
  // Reading humidity before temperature at each time gives the same values.
  let now = DAY_START;
  const sensors = createSimSensors({ seed: 42, now: () => now });
  const reversed = everyFiveMinutes.map((time) => {
    now = time;
    return [...sensors].reverse().map((s) => s.sample()!).reverse();
  });
  t.deepEqual(reversed, series(42, everyFiveMinutes));
});

function pearson(x: readonly number[], y: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

test('sensors: plausible over a day for many devices (daily cycle, humidity against temperature, battery draining)', (t) => {
  for (let seed = 0; seed < 20; seed++) {
    const rows = series(seed, everyFiveMinutes);
    const temperature = rows.map((r) => r[0]! / 100);
    const humidity = rows.map((r) => r[1]! / 10);
    const battery = rows.map((r) => r[2]! / 10);
    t.true(temperature.every((c) => c > -10 && c < 45), `seed ${seed}: temperature in range`);
    const range = Math.max(...temperature) - Math.min(...temperature);
    t.true(range > 4 && range < 20, `seed ${seed}: a daily swing of ${range.toFixed(1)} °C`);
    // Neighbouring readings five minutes apart move by little: noise, not jumps.
    t.true(temperature.slice(1).every((c, i) => Math.abs(c - temperature[i]!) < 1.5), `seed ${seed}: smooth`);
    t.true(humidity.every((h) => h >= 5 && h <= 100), `seed ${seed}: humidity in range`);
    t.true(pearson(temperature, humidity) < -0.8, `seed ${seed}: humidity falls as temperature rises (r = ${pearson(temperature, humidity).toFixed(2)})`);
    t.true(battery.every((b, i) => b > 0 && b <= 100 && (i === 0 || b <= battery[i - 1]!)), `seed ${seed}: battery never rises`);
    t.true(battery[0]! - battery.at(-1)! > 2, `seed ${seed}: battery drains over a day`);
  }
});

// ---- clock, random, log -----------------------------------------------------------------------

test('clock: now, timers fire once and can be cancelled', async (t) => {
  const clock = createNodeClock({ unref: true });
  t.true(Math.abs(clock.now() - Date.now()) < 50);
  const fired: string[] = [];
  clock.setTimer(10, () => fired.push('a'));
  const cancel = clock.setTimer(10, () => fired.push('b'));
  cancel();
  await sleep(60);
  t.deepEqual(fired, ['a']);
});

test('random: the requested length, different each call', (t) => {
  t.is(nodeRandom(32).length, 32);
  t.notDeepEqual(nodeRandom(32), nodeRandom(32));
});

test('log: level filter, prefix and level names', (t) => {
  const lines: string[] = [];
  const log = createNodeLog({ level: LogLevel.WARN, prefix: 'dev1', time: false, write: (l) => lines.push(l) });
  log(LogLevel.INFO, 'quiet');
  log(LogLevel.WARN, 'loud');
  log(LogLevel.ERROR, 'louder');
  t.deepEqual(lines, ['warn dev1 loud', 'error dev1 louder']);
  t.is(parseLogLevel('DEBUG'), LogLevel.DEBUG);
  t.is(parseLogLevel('chatty'), undefined);
});
