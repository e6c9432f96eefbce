// The code evaluated first in every contract worker (tools layer; the string runs under XS).
//
// It takes the worker's host powers (issueCommand, resetMeter, gc) into a closure and
// deletes them, and every other host global, from globalThis; tames the clocks and
// randomness; hardens every intrinsic it can reach; then installs handleCommand, the
// only entry the Node side calls. A contract runs in a fresh Compartment per call, whose
// global holds the (shared, frozen) intrinsics and nothing of the host, so it reaches the
// host only through the ctx object of that call.
//
// Commands (JSON text in, JSON text out), one per crank:
//   {op:'install', source, gasLimit}        -> {ok, methods, queries} | {ok:false, code, message}
//   {op:'call', kind, name, args, sender, height, txId, gasLimit}
//        -> {ok:true, result, writes:[[key, json|null]], gasUsed} | {ok:false, code, message, gasUsed}
// `args`, `result` and written values travel as canonical JSON text (contract-value.ts).
// A state read is issueCommand(JSON {key}) answered with the canonical JSON text of the
// value, or empty bytes when absent; each read costs READ_GAS plus one unit per byte.
// Error codes here are names; the host maps them to BotError codes.

import { MAX_STATE_KEY_BYTES } from '../../../src/light/verify-state-answer.js';

/** Fixed gas of one ctx.get, ctx.set or ctx.delete (plus one per byte of key and value). */
export const STATE_OP_GAS = 100;
/**
 * Largest key (bytes of UTF-8): what a STATE_PROOF can address (§9.4), so every entry a deployed
 * contract writes can be proved to a light peer.
 */
export const MAX_KEY_BYTES = MAX_STATE_KEY_BYTES;
/** Largest canonical JSON of a value, arguments or a result. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** Deepest nesting of contract data. */
export const MAX_DATA_DEPTH = 32;
/** Meter allowed to whatever runs after the contract returned (its queued promise jobs). */
export const AFTER_CALL_GAS = 1_000_000;

export const SANDBOX_BOOTSTRAP = `(() => {
  'use strict';
  const G = globalThis;
  const hostIssueCommand = G.issueCommand;
  const resetMeter = G.resetMeter;
  const collect = G.gc;
  const harden = G.harden;
  const encoder = new G.TextEncoder();
  const decoder = new G.TextDecoder();
  for (const name of ['issueCommand', 'resetMeter', 'currentMeterLimit', 'gc', 'print', 'trace', 'performance',
    'setImmediate', 'harden', 'Base64', 'TextEncoder', 'TextDecoder']) delete G[name];

  const STATE_OP_GAS = ${STATE_OP_GAS};
  const MAX_KEY_BYTES = ${MAX_KEY_BYTES};
  const MAX_VALUE_BYTES = ${MAX_VALUE_BYTES};
  const MAX_DATA_DEPTH = ${MAX_DATA_DEPTH};
  const AFTER_CALL_GAS = ${AFTER_CALL_GAS};
  const { freeze, keys, getPrototypeOf, prototype: objectPrototype } = Object;
  const { isArray } = Array;
  const { isFinite } = Number;
  const { stringify, parse } = JSON;

  // Non-determinism: a forbidden touch fails the whole call, even if the contract catches it.
  let forbidden = undefined;
  const forbid = (what) => {
    if (forbidden === undefined) forbidden = what;
    throw new G.TypeError('forbidden in a contract: ' + what);
  };
  const RealDate = G.Date;
  const TamedDate = function Date(...args) {
    if (new.target === undefined) forbid('Date()');
    if (args.length === 0) forbid('new Date()');
    return Reflect.construct(RealDate, args, new.target);
  };
  TamedDate.prototype = RealDate.prototype;
  TamedDate.UTC = RealDate.UTC;
  TamedDate.parse = RealDate.parse;
  TamedDate.now = function now() { forbid('Date.now'); };
  Object.defineProperty(RealDate.prototype, 'constructor', { value: TamedDate, writable: false, enumerable: false, configurable: false });
  RealDate.now = TamedDate.now;
  G.Date = TamedDate;
  G.Math.random = function random() { forbid('Math.random'); };

  // Freeze every intrinsic: those on the global, and those only reachable through syntax.
  const hiddenIntrinsics = [
    getPrototypeOf(function* () {}), getPrototypeOf(async function () {}), getPrototypeOf(async function* () {}),
    getPrototypeOf([][Symbol.iterator]()), getPrototypeOf(new Map().entries()), getPrototypeOf(new Set().entries()),
    getPrototypeOf(''[Symbol.iterator]()), getPrototypeOf(/x/[Symbol.matchAll]('x')),
    getPrototypeOf(getPrototypeOf([][Symbol.iterator]())),
    getPrototypeOf((function* () {})()), getPrototypeOf((async function* () {})()),
    getPrototypeOf(getPrototypeOf(getPrototypeOf((async function* () {})()))),
    (function () { 'use strict'; return Object.getOwnPropertyDescriptor(arguments, 'callee').get; })(),
  ];

  const data = (value, depth) => {
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return stringify(value);
    if (typeof value === 'number') {
      if (!isFinite(value)) throw new G.TypeError('contract data: number not finite');
      return stringify(value);
    }
    if (depth >= MAX_DATA_DEPTH) throw new G.RangeError('contract data: nested too deep');
    if (isArray(value)) {
      let out = '[';
      for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + data(value[i], depth + 1);
      return out + ']';
    }
    if (typeof value === 'object') {
      const proto = getPrototypeOf(value);
      if (proto !== objectPrototype && proto !== null) throw new G.TypeError('contract data: not a plain object');
      const names = keys(value).sort();
      let out = '{';
      for (let i = 0; i < names.length; i++) out += (i ? ',' : '') + stringify(names[i]) + ':' + data(value[names[i]], depth + 1);
      return out + '}';
    }
    throw new G.TypeError('contract data: ' + typeof value + ' is not data');
  };
  const canonical = (value, limit) => {
    const text = data(value, 0);
    if (text.length > limit || encoder.encode(text).length > limit) throw new G.RangeError('contract data: over ' + limit + ' bytes');
    return text;
  };
  const meterAdd = (units) => {
    const index = resetMeter(meterLimit, 0);
    resetMeter(meterLimit, index + units);
  };
  let meterLimit = 0;

  const checkKey = (key) => {
    if (typeof key !== 'string' || key.length === 0) throw new G.TypeError('contract key: not a non-empty string');
    const size = encoder.encode(key).length;
    if (size > MAX_KEY_BYTES) throw new G.RangeError('contract key: over ' + MAX_KEY_BYTES + ' bytes');
    return size;
  };

  const makeCtx = (call, writes, writable) => {
    let open = true;
    const ensureOpen = () => { if (!open) throw new G.TypeError('ctx used after its call ended'); };
    const ctx = {
      sender: call.sender,
      height: call.height,
      txId: call.txId,
      get(key) {
        ensureOpen();
        const size = checkKey(key);
        meterAdd(STATE_OP_GAS + size);
        let text;
        if (writes.has(key)) text = writes.get(key);
        else {
          const answer = new Uint8Array(hostIssueCommand(encoder.encode(stringify({ key })).buffer));
          meterAdd(answer.length);
          text = answer.length === 0 ? null : decoder.decode(answer);
        }
        return text === null ? undefined : parse(text);
      },
    };
    if (writable) {
      ctx.set = (key, value) => {
        ensureOpen();
        const size = checkKey(key);
        if (value === undefined) throw new G.TypeError('contract data: undefined (use delete)');
        const text = canonical(value, MAX_VALUE_BYTES);
        meterAdd(STATE_OP_GAS + size + text.length);
        writes.set(key, text);
      };
      ctx.delete = (key) => {
        ensureOpen();
        const size = checkKey(key);
        meterAdd(STATE_OP_GAS + size);
        writes.set(key, null);
      };
    }
    return { ctx: harden(ctx), close() { open = false; } };
  };

  // The compartment's global: intrinsics (frozen, shared) plus these; host globals never appear.
  const compartmentGlobals = harden({
    Date: TamedDate,
    Compartment: undefined, ModuleSource: undefined, trace: undefined,
    WeakRef: undefined, FinalizationRegistry: undefined, SharedArrayBuffer: undefined, Atomics: undefined,
  });
  const Compartment = G.Compartment;
  let source = undefined;

  const instantiate = () => {
    const compartment = new Compartment({ globals: compartmentGlobals });
    return compartment.evaluate(source);
  };
  const shapeOf = (contract) => {
    if (contract === null || typeof contract !== 'object') throw new G.TypeError('source does not evaluate to an object');
    const names = (table, label) => {
      if (table === undefined) return [];
      if (table === null || typeof table !== 'object') throw new G.TypeError(label + ' is not an object');
      const list = keys(table).sort();
      for (const name of list) if (typeof table[name] !== 'function') throw new G.TypeError(label + '.' + name + ' is not a function');
      return list;
    };
    return { methods: names(contract.methods, 'methods'), queries: names(contract.queries, 'queries') };
  };
  const messageOf = (error) => {
    try {
      const text = error !== null && typeof error === 'object' && typeof error.message === 'string' ? error.message : String(error);
      return text.length > 256 ? text.slice(0, 256) : text;
    } catch {
      return 'unprintable error';
    }
  };
  const reply = (value) => encoder.encode(stringify(value)).buffer;

  const install = (request) => {
    source = request.source;
    forbidden = undefined;
    meterLimit = request.gasLimit;
    resetMeter(meterLimit, 0);
    try {
      const shape = shapeOf(instantiate());
      resetMeter(AFTER_CALL_GAS, 0);
      if (forbidden !== undefined) return { ok: false, code: 'BAD_CONTRACT', message: 'forbidden in a contract: ' + forbidden };
      return { ok: true, ...shape };
    } catch (error) {
      resetMeter(AFTER_CALL_GAS, 0);
      source = undefined;
      return { ok: false, code: 'BAD_CONTRACT', message: forbidden !== undefined ? 'forbidden in a contract: ' + forbidden : messageOf(error) };
    }
  };

  const call = (request) => {
    if (source === undefined) return { ok: false, code: 'NOT_INSTALLED', message: 'no contract installed', gasUsed: 0 };
    const writable = request.kind === 'method';
    const writes = new Map();
    const { ctx, close } = makeCtx(request, writes, writable);
    const args = parse(request.args);
    forbidden = undefined;
    meterLimit = request.gasLimit;
    resetMeter(meterLimit, 0);
    let outcome;
    try {
      const contract = instantiate();
      const table = writable ? contract.methods : contract.queries;
      const fn = table !== null && typeof table === 'object' && Object.hasOwn(table, request.name) ? table[request.name] : undefined;
      if (typeof fn !== 'function') {
        outcome = { ok: false, code: 'UNKNOWN_METHOD', message: (writable ? 'method ' : 'query ') + request.name };
      } else {
        const result = fn.call(undefined, ctx, args);
        const resultText = canonical(result === undefined ? null : result, MAX_VALUE_BYTES);
        const written = [...writes.keys()].sort().map((key) => [key, writes.get(key)]);
        outcome = { ok: true, result: resultText, writes: written };
      }
    } catch (error) {
      outcome = { ok: false, code: 'THREW', message: messageOf(error) };
    }
    close();
    const gasUsed = resetMeter(AFTER_CALL_GAS, 0);
    if (forbidden !== undefined) outcome = { ok: false, code: 'FORBIDDEN', message: 'forbidden in a contract: ' + forbidden };
    outcome.gasUsed = gasUsed;
    return outcome;
  };

  G.handleCommand = harden(function handleCommand(message) {
    const request = parse(decoder.decode(new Uint8Array(message)));
    if (request.op === 'call') {
      // A collected heap before each call, so what the call makes the heap grow by does not
      // depend on the garbage earlier calls left.
      collect();
      return reply(call(request));
    }
    if (request.op === 'install') return reply(install(request));
    return reply({ ok: false, code: 'BAD_REQUEST', message: 'unknown op' });
  });
  for (const intrinsic of hiddenIntrinsics) harden(intrinsic);
  harden(TamedDate);
  harden(G);
  return 0;
})();`;
