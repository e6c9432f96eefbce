// The firmware's host adapters on Moddable's own build (test layer, a Moddable x-cli-lin
// app built by test/moddable-adapters.test.ts from the firmware's modules, preloaded as in
// manifest.json). Where x-cli-lin has the platform module the adapter is tested on it:
//   clock-timer.ts        over Moddable's `timer`
//   transport-tcp-419.ts  over the ECMA-419 TCP socket, against a Node TCP server
//   store-file-lin.ts     over the host's durable files (persistence: BOTPEER_PHASE=second)
//   host.js FileFlash     the file that behaves like NOR flash (the outbox's flash area)
// and a fake where it has not: store-preference.ts over fake-preference.js (x-cli-lin has
// no NVS). One KeyValueStore suite runs against both stores.
// Prints `BOTPEER-RESULT {"phase", "results": [{suite, name, passed, detail?}]}` and exits.

import Preference from 'preference';
import Timer from 'timer';
import { BotError } from '../../../src/errors/bot-error.js';
import { ErrorCode } from '../../../src/errors/error-codes.js';
import type { KeyValueStore, TransportHandlers } from '../../../src/ports/index.js';
import { createTimerClock } from '../../../hosts/moddable/clock-timer.js';
import { createPreferenceStore } from '../../../hosts/moddable/store-preference.js';
import { createTcpTransport } from '../../../hosts/moddable/transport-tcp-419.js';
import { createFileStore } from '../../../hosts/x-cli-lin/store-file-lin.js';
import { FileFlash, exit, getenv, makeDirectory, microseconds, write } from '../../../hosts/x-cli-lin/host.js';

interface Result {
  suite: string;
  name: string;
  passed: boolean;
  detail?: string;
}
const results: Result[] = [];

class Failure extends Error {}
function expect(condition: boolean, what: string): void {
  if (!condition) throw new Failure(what);
}
const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
function throwsCode(code: number, body: () => void, what: string): void {
  try {
    body();
  } catch (error) {
    expect(error instanceof BotError && error.code === code, `${what}: threw ${String(error)}, want BotError ${code}`);
    return;
  }
  throw new Failure(`${what}: did not throw`);
}
function throwsAny(body: () => void, what: string): void {
  try {
    body();
  } catch {
    return;
  }
  throw new Failure(`${what}: did not throw`);
}

function record(suite: string, name: string, body: () => void): void {
  try {
    body();
    results.push({ suite, name, passed: true });
  } catch (error) {
    results.push({ suite, name, passed: false, detail: String(error) });
  }
}
async function recordAsync(suite: string, name: string, body: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  let timer: Timer | undefined;
  try {
    await Promise.race([body(), new Promise<void>((_, reject) => (timer = Timer.set(() => reject(new Failure(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
    results.push({ suite, name, passed: true });
  } catch (error) {
    results.push({ suite, name, passed: false, detail: String(error) });
  } finally {
    if (timer !== undefined) Timer.clear(timer);
  }
}
const sleep = (ms: number) => new Promise<void>((resolve) => Timer.set(() => resolve(), ms));

// --- KeyValueStore: one suite, every implementation the firmware has -----------------

function storeSuite(suite: string, store: KeyValueStore): void {
  record(suite, 'a key never set reads as undefined; deleting it is fine', () => {
    expect(store.get('bp.none') === undefined, 'missing → undefined');
    store.delete('bp.none');
  });
  record(suite, 'every byte value round-trips', () => {
    const value = pattern(256, 0).map((_, i) => i);
    store.set('bp.bytes', value);
    expect(same(store.get('bp.bytes'), value), 'same bytes back');
  });
  record(suite, 'a view stores exactly its own bytes, not its whole buffer', () => {
    const big = pattern(64, 5);
    store.set('bp.view', big.subarray(3, 11));
    const back = store.get('bp.view');
    expect(same(back, big.subarray(3, 11)), `8 bytes from offset 3, got ${back?.length}`);
  });
  record(suite, 'values are copies both ways', () => {
    const value = pattern(32, 9);
    store.set('bp.copy', value);
    value[0] ^= 0xff;
    const back = store.get('bp.copy')!;
    expect(back[0] === pattern(32, 9)[0], 'changing the input after set changes nothing');
    back[1] ^= 0xff;
    expect(same(store.get('bp.copy'), pattern(32, 9)), 'changing what get returned changes nothing');
  });
  record(suite, 'overwrite with a shorter value, then delete', () => {
    store.set('bp.over', pattern(100, 1));
    store.set('bp.over', pattern(3, 2));
    expect(same(store.get('bp.over'), pattern(3, 2)), 'the new, shorter value');
    store.delete('bp.over');
    expect(store.get('bp.over') === undefined, 'gone after delete');
  });
  record(suite, 'keys NVS would refuse are refused with STORAGE, and nothing is written', () => {
    for (const key of ['', 'a-key-of-16-char']) {
      throwsCode(ErrorCode.STORAGE, () => store.set(key, pattern(4, 0)), `set ${JSON.stringify(key)}`);
      throwsCode(ErrorCode.STORAGE, () => store.get(key), `get ${JSON.stringify(key)}`);
      throwsCode(ErrorCode.STORAGE, () => store.delete(key), `delete ${JSON.stringify(key)}`);
    }
  });
}

// --- the file store's own rules and durability -----------------------------------------

function fileStoreSuite(dir: string, phase: string): void {
  const suite = 'store-file-lin';
  const store = createFileStore(`${dir}/store`);
  storeSuite(suite, store);
  record(suite, 'keys that would leave the folder or clash with its temporary files are refused', () => {
    for (const key of ['.', '..', '../x', 'a/b', '.hidden', 'bp.key.tmp', 'sp ace']) {
      throwsCode(ErrorCode.STORAGE, () => store.set(key, pattern(4, 0)), `set ${JSON.stringify(key)}`);
    }
  });
  if (phase === 'first') {
    record(suite, 'write the values the second run must find', () => {
      store.set('bp.key', pattern(32, 77));
      store.set('bp.gone', pattern(4, 1));
      store.delete('bp.gone');
    });
  } else {
    record(suite, 'after a restart: what was set is there, what was deleted is not', () => {
      expect(same(store.get('bp.key'), pattern(32, 77)), 'bp.key kept');
      expect(store.get('bp.gone') === undefined, 'bp.gone stays deleted');
    });
  }
}

// --- the NOR-flash file (outbox area) ----------------------------------------------------

function flashSuite(dir: string, phase: string): void {
  const suite = 'FileFlash';
  const flash = new FileFlash(`${dir}/area.flash`, 8192);
  if (phase === 'first') {
    record(suite, 'a new area is erased (all 0xFF), two 4 KB sectors', () => {
      expect(flash.byteLength === 8192 && flash.blockSize === 4096, 'geometry');
      expect(new Uint8Array(flash.read(0, 8192)).every((b) => b === 0xff), 'all 0xFF');
    });
    record(suite, 'programming only clears bits; erase sets a whole sector back to 0xFF', () => {
      flash.write(10, 4, Uint8Array.of(0xf0, 0x0f, 0xaa, 0x00));
      flash.write(10, 4, Uint8Array.of(0x3c, 0xff, 0x55, 0xff));
      expect(same(new Uint8Array(flash.read(10, 4)), Uint8Array.of(0x30, 0x0f, 0x00, 0x00)), 'old AND new');
      flash.write(4096 + 100, 16, pattern(16, 3));
      flash.erase(0);
      expect(new Uint8Array(flash.read(0, 4096)).every((b) => b === 0xff), 'sector 0 erased');
      expect(same(new Uint8Array(flash.read(4096 + 100, 16)), pattern(16, 3)), 'sector 1 untouched');
    });
    record(suite, 'out-of-range reads, writes and erases throw and change nothing', () => {
      throwsAny(() => flash.read(8190, 4), 'read past the end');
      throwsAny(() => flash.write(8190, 4, pattern(4, 0)), 'write past the end');
      throwsAny(() => flash.write(-1, 1, pattern(1, 0)), 'negative offset');
      throwsAny(() => flash.erase(2), 'erase sector 2 of 2');
      throwsAny(() => flash.erase(-1), 'erase sector -1');
      const again = new FileFlash(`${dir}/area.flash`, 8192);
      expect(same(new Uint8Array(again.read(4096 + 100, 16)), pattern(16, 3)), 'still there');
      expect(new Uint8Array(again.read(8176, 16)).every((b) => b === 0xff), 'the end was not written');
    });
  } else {
    record(suite, 'after a restart: programmed bytes and erased sectors are as left', () => {
      expect(same(new Uint8Array(flash.read(4096 + 100, 16)), pattern(16, 3)), 'sector 1 data kept');
      expect(new Uint8Array(flash.read(0, 4096)).every((b) => b === 0xff), 'sector 0 still erased');
    });
  }
}

// --- Clock over Moddable's timer --------------------------------------------------------

async function clockSuite(): Promise<void> {
  const suite = 'clock-timer';
  const clock = createTimerClock();
  record(suite, 'now() is the system clock', () => {
    const now = clock.now();
    expect(Number.isSafeInteger(now) && Math.abs(now - Date.now()) < 1000, `now ${now}`);
  });
  await recordAsync(suite, 'a 0 ms timer fires later, never inside setTimer', async () => {
    let fired = false;
    await new Promise<void>((resolve) => {
      clock.setTimer(0, () => {
        fired = true;
        resolve();
      });
      expect(!fired, 'not synchronous');
    });
  });
  await recordAsync(suite, 'timers fire in order of their delays, not later than asked less 1 ms', async () => {
    const order: number[] = [];
    const start = microseconds();
    let late = '';
    await new Promise<void>((resolve) => {
      for (const ms of [30, 10, 20]) {
        clock.setTimer(ms, () => {
          const elapsed = (microseconds() - start) / 1000;
          if (elapsed < ms - 1) late += `${ms} ms timer after ${elapsed.toFixed(1)} ms; `;
          order.push(ms);
          if (order.length === 3) resolve();
        });
      }
    });
    expect(order.join(',') === '10,20,30', `order ${order.join(',')}`);
    expect(late === '', late);
  });
  await recordAsync(suite, 'a cancelled timer never fires; cancelling again or after firing is harmless', async () => {
    let cancelledFired = false;
    const cancel = clock.setTimer(10, () => (cancelledFired = true));
    cancel();
    cancel();
    let count = 0;
    const cancelFired = clock.setTimer(5, () => count++);
    await sleep(40);
    cancelFired();
    expect(!cancelledFired, 'cancelled timer fired');
    expect(count === 1, `fired ${count} times`);
  });
  await recordAsync(suite, 'a negative delay fires as 0; a timer set from a callback runs', async () => {
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      clock.setTimer(-5, () => {
        seen.push('negative');
        clock.setTimer(1, () => {
          seen.push('nested');
          resolve();
        });
      });
    });
    expect(seen.join(',') === 'negative,nested', seen.join(','));
  });
}

// --- TransportFactory over the ECMA-419 TCP socket --------------------------------------

interface Recorder {
  handlers: TransportHandlers;
  opens: number;
  closes: string[];
  data: Uint8Array[];
  dataAfterClose: number;
  received(): Uint8Array;
  closed: Promise<string>;
  opened: Promise<void>;
}
function recorder(): Recorder {
  let onClosed!: (reason: string) => void;
  let onOpened!: () => void;
  const r: Recorder = {
    opens: 0,
    closes: [],
    data: [],
    dataAfterClose: 0,
    closed: new Promise((resolve) => (onClosed = resolve)),
    opened: new Promise((resolve) => (onOpened = resolve)),
    received() {
      const out = new Uint8Array(r.data.reduce((n, d) => n + d.length, 0));
      let at = 0;
      for (const d of r.data) {
        out.set(d, at);
        at += d.length;
      }
      return out;
    },
    handlers: {
      onOpen() {
        r.opens++;
        onOpened();
      },
      onData(bytes) {
        if (r.closes.length > 0) r.dataAfterClose++;
        r.data.push(bytes.slice());
      },
      onClose(reason) {
        r.closes.push(reason ?? '');
        onClosed(reason ?? '');
      },
    },
  };
  return r;
}
async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Failure(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function transportSuite(port: number, closedPort: number): Promise<void> {
  const suite = 'transport-tcp-419';
  const factory = createTcpTransport({ address: '127.0.0.1', port });

  await recordAsync(suite, 'echo: writes larger than the socket takes are queued and arrive whole and in order; buffers may be reused', async () => {
    const r = recorder();
    const t = factory(r.handlers);
    await r.opened;
    // The socket takes 1,536 bytes per onWritable on x-cli-lin; the rest waits in the
    // transport's queue (16 KB by default, which these 15,010 bytes stay within).
    const parts = [ascii('echo\n'), pattern(10, 1), pattern(8000, 2), pattern(4000, 3)];
    const reused = pattern(3000, 4);
    for (const p of parts) t.write(p);
    t.write(reused);
    reused.fill(0); // the transport must have copied what it could not send yet
    const expected = new Uint8Array(10 + 8000 + 4000 + 3000);
    expected.set(pattern(10, 1), 0);
    expected.set(pattern(8000, 2), 10);
    expected.set(pattern(4000, 3), 8010);
    expected.set(pattern(3000, 4), 12_010);
    await until(() => r.closes.length > 0 || r.received().length >= expected.length, `${expected.length} bytes echoed`);
    expect(r.closes.length === 0, `closed early: ${r.closes.join('; ')}`);
    expect(same(r.received(), expected), 'echoed bytes equal what was written');
    expect(r.opens === 1, `onOpen ${r.opens} times`);
    let closedInside = false;
    t.close();
    closedInside = r.closes.length > 0;
    t.write(pattern(5, 0)); // ignored after close
    t.close();
    expect(await r.closed === 'closed locally', `reason ${r.closes[0]}`);
    await sleep(50);
    expect(!closedInside, 'onClose ran inside close()');
    expect(r.closes.length === 1, `onClose ${r.closes.length} times`);
  });

  await recordAsync(suite, 'a large burst from the peer arrives intact; its end is "connection lost", once', async () => {
    const r = recorder();
    const t = factory(r.handlers);
    await r.opened;
    t.write(ascii('burst 100000\n'));
    expect(await r.closed === 'connection lost', `reason ${r.closes[0]}`);
    expect(same(r.received(), pattern(100_000, 7)), `100000 bytes intact, got ${r.received().length}`);
    await sleep(50);
    expect(r.closes.length === 1 && r.dataAfterClose === 0, `closes ${r.closes.length}, data after close ${r.dataAfterClose}`);
  });

  await recordAsync(suite, 'the peer hanging up is reported once, and writes after it are harmless', async () => {
    const r = recorder();
    const t = factory(r.handlers);
    await r.opened;
    t.write(ascii('hangup\n'));
    await r.closed;
    t.write(pattern(100, 0));
    t.close();
    await sleep(50);
    expect(r.closes.length === 1, `onClose ${r.closes.length} times: ${r.closes.join('; ')}`);
  });

  await recordAsync(suite, 'nobody listening: "connection refused", never onOpen', async () => {
    const r = recorder();
    createTcpTransport({ address: '127.0.0.1', port: closedPort })(r.handlers);
    expect(await r.closed === 'connection refused', `reason ${r.closes[0]}`);
    await sleep(50);
    expect(r.opens === 0 && r.closes.length === 1, `opens ${r.opens}, closes ${r.closes.length}`);
  });

  await recordAsync(suite, 'more than maxQueued bytes waiting: "send queue overflow"', async () => {
    const r = recorder();
    const t = createTcpTransport({ address: '127.0.0.1', port, maxQueued: 4096 })(r.handlers);
    await r.opened;
    t.write(ascii('echo\n'));
    t.write(pattern(20_000, 1));
    expect(await r.closed === 'send queue overflow', `reason ${r.closes[0]}`);
  });

  await recordAsync(suite, 'a bad address is reported through onClose, asynchronously, not thrown', async () => {
    const r = recorder();
    createTcpTransport({ address: 'not-an-address', port })(r.handlers);
    expect(r.closes.length === 0, 'onClose inside the factory');
    const reason = await r.closed;
    expect(reason.startsWith('cannot connect'), `reason ${reason}`);
  });
}

// --- run ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const phase = getenv('BOTPEER_PHASE') ?? 'first';
  const dir = getenv('BOTPEER_STATE') ?? './adapters-state';
  makeDirectory(dir);
  fileStoreSuite(dir, phase);
  flashSuite(dir, phase);
  if (phase === 'first') {
    storeSuite('store-preference (fake NVS)', createPreferenceStore());
    record('store-preference (fake NVS)', 'values live under the "botpeer" domain as ArrayBuffers', () => {
      expect(Preference.get('botpeer', 'bp.bytes') instanceof ArrayBuffer, 'stored as an ArrayBuffer');
      throwsAny(() => createPreferenceStore('a-domain-of-16ch'), 'a 16-character domain');
    });
    await clockSuite();
    await transportSuite(Number(getenv('BOTPEER_PORT') ?? 0), Number(getenv('BOTPEER_CLOSED_PORT') ?? 0));
  }
  write(`BOTPEER-RESULT ${JSON.stringify({ phase, results })}\n`);
  exit(0);
}

main().catch((error: unknown) => {
  write(`BOTPEER-RESULT ${JSON.stringify({ error: String(error), results })}\n`);
  exit(1);
});
