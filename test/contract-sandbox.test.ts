// The deployed-contract sandbox (tools/gateway/contract-sandbox): determinism across workers,
// budgets, isolation from the host and between calls, and typed errors for bad contracts.

import { createHash } from 'node:crypto';
import test from 'ava';
import { ErrorCode } from '../src/errors/error-codes.js';
import { type ContractCallResult, ContractSandbox, type ContractStateView } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { decodeStateValue } from '../tools/gateway/contract-sandbox/contract-value.js';

const COUNTER = `({
  methods: {
    inc(ctx, args) {
      const n = (ctx.get('count') ?? 0) + (args && args.by !== undefined ? args.by : 1);
      ctx.set('count', n);
      ctx.set('last/' + ctx.sender, { height: ctx.height, tx: ctx.txId });
      return n;
    },
    reset(ctx) { ctx.delete('count'); return null; },
  },
  queries: { get(ctx) { return ctx.get('count') ?? 0; } },
})`;

/** A host-side state with writes applied only on success, and a digest of it. */
class MemoryState implements ContractStateView {
  readonly map = new Map<string, Uint8Array>();
  get(key: string): Uint8Array | undefined {
    return this.map.get(key);
  }
  apply(result: ContractCallResult): void {
    if (!result.ok) return;
    for (const [key, value] of result.writes) value === null ? this.map.delete(key) : this.map.set(key, value);
  }
  digest(): string {
    const hash = createHash('sha256');
    for (const key of [...this.map.keys()].sort()) hash.update(`${key}\0`).update(this.map.get(key)!).update('\0');
    return hash.digest('hex');
  }
}

const ctx = (height: number, sender = 'a1b2') => ({ sender, height, txId: `t${height}` });

function withSandbox(run: (sandbox: ContractSandbox, t: import('ava').ExecutionContext) => Promise<void>, options?: ConstructorParameters<typeof ContractSandbox>[0]) {
  return async (t: import('ava').ExecutionContext) => {
    const sandbox = new ContractSandbox(options);
    try {
      await run(sandbox, t);
    } finally {
      await sandbox.close();
    }
  };
}

async function expectCode(t: import('ava').ExecutionContext, result: Promise<ContractCallResult>, code: ErrorCode): Promise<void> {
  const outcome = await result;
  t.false(outcome.ok, JSON.stringify(outcome));
  if (!outcome.ok) t.is(outcome.error.code, code, outcome.error.message);
}

test('counter: the same call sequence gives the same results, gas and state digest on two separate sandboxes', async (t) => {
  const runs: { digest: string; trace: unknown[] }[] = [];
  for (let member = 0; member < 2; member++) {
    const sandbox = new ContractSandbox();
    const state = new MemoryState();
    const trace: unknown[] = [];
    try {
      const { hash, methods, queries } = await sandbox.deploy(COUNTER);
      t.deepEqual([methods, queries], [['inc', 'reset'], ['get']]);
      for (let height = 1; height <= 20; height++) {
        const result = await sandbox.invoke(hash, height === 10 ? 'reset' : 'inc', { by: height }, ctx(height), state);
        state.apply(result);
        trace.push(result.ok ? [result.result, result.gasUsed] : result.error);
      }
      const read = await sandbox.query(hash, 'get', null, ctx(21), state);
      t.like(read, { ok: true, result: 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 });
      trace.push(read);
    } finally {
      await sandbox.close();
    }
    runs.push({ digest: state.digest(), trace });
  }
  t.is(runs[0]!.digest, runs[1]!.digest);
  t.deepEqual(runs[0]!.trace, runs[1]!.trace);
});

test('a method returns its writes sorted by key, as canonical JSON bytes; a query cannot write', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(COUNTER);
  const result = await sandbox.invoke(hash, 'inc', { by: 5 }, ctx(7, 'ff00'), state);
  t.true(result.ok);
  if (!result.ok) return;
  t.deepEqual(result.writes.map(([key]) => key), ['count', 'last/ff00']);
  t.is(new TextDecoder().decode(result.writes[1]![1]!), '{"height":7,"tx":"t7"}');
  t.deepEqual(decodeStateValue(result.writes[0]![1]!), 5);
  const writer = await sandbox.deploy(`({ queries: { sneak(ctx) { ctx.set('x', 1); return 1; } } })`);
  await expectCode(t, sandbox.query(writer.hash, 'sneak', null, ctx(1), state), ErrorCode.CONTRACT_THREW);
}));

test('concurrent invokes of one contract each read their own state view', withSandbox(async (sandbox, t) => {
  const { hash } = await sandbox.deploy(COUNTER);
  const views = [1, 2, 3, 4].map((n) => ({ get: (key: string) => (key === 'count' ? new TextEncoder().encode(String(n * 100)) : undefined) }));
  const results = await Promise.all(views.map((view, i) => sandbox.invoke(hash, 'inc', null, ctx(i), view)));
  t.deepEqual(results.map((r) => (r.ok ? r.result : r.error)), [101, 201, 301, 401]);
}));

test('a throwing method gives CONTRACT_THREW and no writes', withSandbox(async (sandbox, t) => {
  const { hash } = await sandbox.deploy(`({ methods: { boom(ctx) { ctx.set('a', 1); throw new Error('nope'); } } })`);
  const result = await sandbox.invoke(hash, 'boom', null, ctx(1), new MemoryState());
  t.deepEqual(result, { ok: false, error: { code: ErrorCode.CONTRACT_THREW, message: 'nope' } });
}));

test('unknown contract, unknown method, and arguments that are not contract data are typed errors', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(COUNTER);
  await expectCode(t, sandbox.invoke('00'.repeat(32), 'inc', null, ctx(1), state), ErrorCode.UNKNOWN_CONTRACT);
  await expectCode(t, sandbox.invoke(hash, 'get', null, ctx(1), state), ErrorCode.UNKNOWN_METHOD); // a query is not a method
  await expectCode(t, sandbox.invoke(hash, 'toString', null, ctx(1), state), ErrorCode.UNKNOWN_METHOD); // inherited, not own
  await expectCode(t, sandbox.invoke(hash, 'inc', { by: Number.NaN }, ctx(1), state), ErrorCode.BAD_CONTRACT_VALUE);
  await expectCode(t, sandbox.invoke(hash, 'inc', new Date(0), ctx(1), state), ErrorCode.BAD_CONTRACT_VALUE);
  await expectCode(t, sandbox.invoke(hash, 'inc', 'x'.repeat(70_000), ctx(1), state), ErrorCode.BAD_CONTRACT_VALUE);
}));

test('an infinite loop runs out of gas; the worker is replaced and the next call works', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(`({ methods: { spin(ctx) { ctx.set('a', 1); for (;;) {} }, ok() { return 'fine'; } } })`);
  await expectCode(t, sandbox.invoke(hash, 'spin', null, ctx(1), state), ErrorCode.CONTRACT_OUT_OF_GAS);
  t.like(await sandbox.invoke(hash, 'ok', null, ctx(2), state), { ok: true, result: 'fine' });
  t.is(sandbox.workerStarts(hash), 2);
  // A promise job queued by the contract cannot run on without a limit after the call returned.
  const job = await sandbox.deploy(`({ methods: { later() { Promise.resolve().then(() => { for (;;) {} }); return 1; } } })`);
  await expectCode(t, sandbox.invoke(job.hash, 'later', null, ctx(1), state), ErrorCode.CONTRACT_OUT_OF_GAS);
}, { limits: { gasLimit: 200_000 } }));

test('gas used grows with the work done and is the same on a fresh and a reused worker', withSandbox(async (sandbox, t) => {
  const { hash } = await sandbox.deploy(`({ queries: { sum(ctx, n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; } } })`);
  const gas = async (n: number) => {
    const result = await sandbox.query(hash, 'sum', n, ctx(1), new MemoryState());
    if (!result.ok) throw new Error(result.error.message);
    return result.gasUsed;
  };
  const small = await gas(10);
  const large = await gas(1000);
  t.true(large > small + 990, `${small} ${large}`);
  t.is(await gas(10), small);
}));

test('unbounded allocation is stopped with CONTRACT_OUT_OF_MEMORY; the worker is replaced and the next call works', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(`({ methods: {
    objects() { const a = []; for (;;) a.push({ i: a.length, s: 'x' + a.length }); },
    buffers() { const a = []; for (;;) a.push(new ArrayBuffer(8 * 1024 * 1024)); },
    oneBig() { return new Uint8Array(200 * 1024 * 1024).length; },
    strings() { let s = 'x'; for (;;) s = s + s; },
    ok(ctx) { return ctx.get('k') ?? 'empty'; },
  } })`);
  for (const method of ['objects', 'buffers', 'oneBig', 'strings']) {
    await expectCode(t, sandbox.invoke(hash, method, null, ctx(1), state), ErrorCode.CONTRACT_OUT_OF_MEMORY);
    t.like(await sandbox.invoke(hash, 'ok', null, ctx(2), state), { ok: true, result: 'empty' }, method);
  }
}, { limits: { gasLimit: 1_000_000_000, memoryBudgetBytes: 32 * 1024 * 1024, processMemoryBytes: 192 * 1024 * 1024 } }));

test('the memory budget verdict does not depend on what earlier calls left in the heap', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(`({ methods: {
    litter() { const a = []; for (let i = 0; i < 50000; i++) a.push({ i }); return a.length; },
    take(ctx, mb) { const keep = []; for (let i = 0; i < mb; i++) keep.push(new ArrayBuffer(1024 * 1024)); return keep.length; },
  } })`);
  const verdicts: string[][] = [];
  for (const litterFirst of [false, true]) {
    const row: string[] = [];
    for (const mb of [4, 20, 80]) {
      if (litterFirst) await sandbox.invoke(hash, 'litter', null, ctx(1), state);
      const result = await sandbox.invoke(hash, 'take', mb, ctx(1), state);
      row.push(result.ok ? 'ok' : String(result.error.code));
    }
    verdicts.push(row);
  }
  // The budget counts growth beyond a fresh worker's heap, whose ~32 MiB of free chunk space comes first.
  t.deepEqual(verdicts[0], ['ok', 'ok', String(ErrorCode.CONTRACT_OUT_OF_MEMORY)]);
  t.deepEqual(verdicts[1], verdicts[0]);
}, { limits: { memoryBudgetBytes: 32 * 1024 * 1024 } }));

test('non-determinism is refused: Date.now, new Date(), Date(), Math.random, even when caught', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(`({ methods: {
    now() { return Date.now(); },
    newDate() { return new Date().getTime(); },
    callDate() { return Date(); },
    random() { return Math.random(); },
    caught() { try { Math.random(); } catch {} return 1; },
    viaConstructor() { return new (new Date(0).constructor)().getTime(); },
    fixed() { return new Date(86400000).toISOString(); },
    noWeakRef() { return [typeof WeakRef, typeof FinalizationRegistry, typeof SharedArrayBuffer, typeof Atomics]; },
  } })`);
  for (const method of ['now', 'newDate', 'callDate', 'random', 'caught', 'viaConstructor']) {
    await expectCode(t, sandbox.invoke(hash, method, null, ctx(1), state), ErrorCode.CONTRACT_FORBIDDEN);
  }
  t.like(await sandbox.invoke(hash, 'fixed', null, ctx(1), state), { ok: true, result: '1970-01-02T00:00:00.000Z' });
  t.like(await sandbox.invoke(hash, 'noWeakRef', null, ctx(1), state), { ok: true, result: ['undefined', 'undefined', 'undefined', 'undefined'] });
}));

test('the host is out of reach: no issueCommand or host globals, no import, require or nested Compartment', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(`({ methods: {
    globals() {
      return ['issueCommand', 'resetMeter', 'gc', 'print', 'trace', 'performance', 'setImmediate', 'handleCommand',
        'require', 'process', 'harden', 'Compartment', 'ModuleSource', 'TextEncoder']
        .filter((name) => typeof globalThis[name] !== 'undefined');
    },
    viaEval() { return [eval('typeof issueCommand'), Function('return typeof issueCommand')(), (0, eval)('typeof globalThis.handleCommand')]; },
    viaFunctionCtor() { return (function () {}).constructor('return typeof this.issueCommand + typeof resetMeter')(); },
    importIt() { return import('fs'); },
    requireIt() { return require('fs'); },
    nested() { return new Compartment().evaluate('Date.now()'); },
  } })`);
  t.like(await sandbox.invoke(hash, 'globals', null, ctx(1), state), { ok: true, result: [] });
  t.like(await sandbox.invoke(hash, 'viaEval', null, ctx(1), state), { ok: true, result: ['undefined', 'undefined', 'undefined'] });
  t.like(await sandbox.invoke(hash, 'viaFunctionCtor', null, ctx(1), state), { ok: true, result: 'undefinedundefined' });
  for (const method of ['importIt', 'requireIt', 'nested']) await expectCode(t, sandbox.invoke(hash, method, null, ctx(1), state), ErrorCode.CONTRACT_THREW);
}));

test('shared intrinsics are frozen: pollution fails and never reaches the next call or another contract', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const polluter = await sandbox.deploy(`({ methods: {
    pollute() {
      const tries = [
        () => { Object.prototype.polluted = 1; },
        () => { Array.prototype.push = () => 0; },
        () => { JSON.stringify = () => '"x"'; },
        () => { Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({ done: true }); },
        () => { Object.getPrototypeOf(function* () {}).prototype.x = 1; },
        () => { Math.random = () => 4; },
        () => { globalThis.leak = 1; },
      ];
      let refused = 0;
      for (const attempt of tries) { try { 'use strict'; attempt(); } catch { refused++; } }
      return refused;
    },
    check() { return [({}).polluted ?? null, typeof globalThis.leak, [1, 2].map((x) => x * 2)]; },
  } })`);
  // Six intrinsics refuse; a global of the call's own compartment is allowed but dies with the call.
  t.like(await sandbox.invoke(polluter.hash, 'pollute', null, ctx(1), state), { ok: true, result: 6 });
  t.like(await sandbox.invoke(polluter.hash, 'check', null, ctx(2), state), { ok: true, result: [null, 'undefined', [2, 4]] });
  const other = await sandbox.deploy(COUNTER);
  t.like(await sandbox.invoke(other.hash, 'inc', null, ctx(3), state), { ok: true, result: 1 });
}));

test('closure state does not survive a call: the source is evaluated afresh each time', withSandbox(async (sandbox, t) => {
  const { hash } = await sandbox.deploy(`let calls = 0; ({ queries: { count() { calls++; return calls; } } })`);
  t.like(await sandbox.query(hash, 'count', null, ctx(1), new MemoryState()), { ok: true, result: 1 });
  t.like(await sandbox.query(hash, 'count', null, ctx(1), new MemoryState()), { ok: true, result: 1 });
}));

test('results and values that are not contract data are refused', withSandbox(async (sandbox, t) => {
  const state = new MemoryState();
  const { hash } = await sandbox.deploy(`({ methods: {
    fn() { return () => 1; },
    promise() { return Promise.resolve(1); },
    nan(ctx) { ctx.set('k', NaN); },
    big(ctx) { ctx.set('k', 'x'.repeat(70000)); },
    key(ctx) { ctx.set('', 1); },
    longKey(ctx) { ctx.set('k'.repeat(300), 1); },
    deep() { let v = []; for (let i = 0; i < 40; i++) v = [v]; return v; },
  } })`);
  for (const method of ['fn', 'promise', 'nan', 'big', 'key', 'longKey', 'deep']) {
    await expectCode(t, sandbox.invoke(hash, method, null, ctx(1), state), ErrorCode.CONTRACT_THREW);
  }
}));

test('a malformed source is BAD_CONTRACT at deploy', withSandbox(async (sandbox, t) => {
  const bad = [
    '({ methods: { inc( } })', // syntax
    '42', // not an object
    '({ methods: { inc: 1 } })', // not a function
    '({ queries: null })',
    'throw new Error("at load")',
    '({ methods: {}, at: Date.now() })', // forbidden while loading
    '',
  ];
  for (const source of bad) {
    const error = await t.throwsAsync(sandbox.deploy(source), undefined, source);
    t.is((error as { code?: number }).code, ErrorCode.BAD_CONTRACT, source);
  }
  const spin = await t.throwsAsync(sandbox.deploy('for (;;) {}'));
  t.is((spin as { code?: number }).code, ErrorCode.CONTRACT_OUT_OF_GAS);
}));
