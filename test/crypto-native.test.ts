// The Node native crypto (hosts/node/crypto-secp256k1-node.ts) and its
// worker-thread verification pool (tools/gateway/verify-pool.ts): the native
// provider must pass every shared vector and sign byte for byte like noble; the
// pool must answer in order, and fail loudly (never hang) when a worker dies.

import test from 'ava';
import fc from 'fast-check';
import { ascii } from '../src/codec/bytes.js';
import type { CryptoProvider } from '../src/crypto/crypto-port.js';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { readingsBody } from '../src/tx/bodies.js';
import { keyId } from '../src/tx/identity.js';
import { Quantity, TxKind } from '../src/tx/kinds.js';
import { decodeTx, encodeTx, signTx, verifyTxSignature } from '../src/tx/tx.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { type VerifyJob, createVerifyPool } from '../tools/gateway/verify-pool.js';
import { runAllVectorSuites } from './suites/vector-suites.js';

const noble = createNobleCrypto();
const native = createNativeCrypto();

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const toBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const to32 = (x: bigint) => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const isPlainUint8Array = (x: unknown) => x instanceof Uint8Array && x.constructor === Uint8Array;

const validKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => noble.isValidPrivateKey(k));
const digest32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

test('the native provider passes every shared vector', (t) => {
  const results = runAllVectorSuites(native);
  t.deepEqual(results.filter((r) => !r.passed), []);
  t.true(results.length >= 150, 'every vector file was read');
  t.log(`${results.filter((r) => r.passed).length}/${results.length} shared vectors passed with ${native.name}`);
});

test('native keys, hashes and RFC 6979 low-S signatures are byte-identical to noble', (t) => {
  fc.assert(
    fc.property(validKey, digest32, fc.uint8Array({ maxLength: 300 }), (key, digest, data) => {
      const publicKey = native.publicKey(key);
      const signature = native.sign(digest, key);
      if (hex(publicKey) !== hex(noble.publicKey(key))) return false;
      if (hex(signature) !== hex(noble.sign(digest, key))) return false;
      if (hex(native.sha256(data)) !== hex(noble.sha256(data))) return false;
      if (toBig(signature.subarray(32)) > N / 2n) return false; // low-S
      return native.verify(signature, digest, publicKey) && noble.verify(signature, digest, publicKey);
    }),
    { numRuns: 300 },
  );
  // Digests at and beyond the curve order: RFC 6979 reduces them mod n before the
  // nonce HMAC; the bundled libsecp256k1 does not, so the provider must.
  const key = native.sha256(ascii('edge digests'));
  for (const d of [0n, 1n, N - 1n, N, N + 1n, 2n ** 256n - 1n]) {
    const digest = to32(d);
    t.is(hex(native.sign(digest, key)), hex(noble.sign(digest, key)), `digest ${d.toString(16)}`);
    t.true(native.verify(native.sign(digest, key), digest, native.publicKey(key)));
  }
});

test('native outputs are plain Uint8Array copies, not Buffers', (t) => {
  const key = native.sha256(ascii('copies'));
  for (const out of [native.sha256(key), native.publicKey(key), native.sign(key, key)]) t.true(isPlainUint8Array(out));
  const a = native.sha256(key);
  const b = native.sha256(key);
  a[0] ^= 1;
  t.not(a[0], b[0], 'each call owns its bytes');
});

test('native verify rejects high-S twins and every malformed input, without throwing', (t) => {
  fc.assert(
    fc.property(validKey, digest32, (key, digest) => {
      const signature = native.sign(digest, key);
      const twin = Uint8Array.from([...signature.subarray(0, 32), ...to32(N - toBig(signature.subarray(32)))]);
      // The twin is mathematically valid ECDSA: only the low-S rule rejects it.
      return !native.verify(twin, digest, native.publicKey(key)) && !noble.verify(twin, digest, native.publicKey(key));
    }),
    { numRuns: 100 },
  );

  const key = native.sha256(ascii('malformed'));
  const digest = native.sha256(ascii('message'));
  const publicKey = native.publicKey(key);
  const signature = native.sign(digest, key);
  const r = signature.subarray(0, 32);
  const s = signature.subarray(32);
  const sig = (rr: Uint8Array, ss: Uint8Array) => Uint8Array.from([...rr, ...ss]);
  // An x with no curve point (x^3 + 7 is not a square mod p).
  let x = 1n;
  while (isOnCurve(x)) x++;
  const offCurve = Uint8Array.of(0x02, ...to32(x));
  const uncompressed = Uint8Array.of(0x04, ...to32(1n), ...to32(2n));
  const cases: [string, Uint8Array, Uint8Array, Uint8Array][] = [
    ['63-byte signature', signature.subarray(0, 63), digest, publicKey],
    ['65-byte signature', Uint8Array.of(...signature, 0), digest, publicKey],
    ['empty signature', new Uint8Array(0), digest, publicKey],
    ['31-byte digest', signature, digest.subarray(0, 31), publicKey],
    ['33-byte digest', signature, Uint8Array.of(...digest, 0), publicKey],
    ['32-byte key', signature, digest, publicKey.subarray(0, 32)],
    ['65-byte key', signature, digest, uncompressed],
    ['key prefix 0x04', signature, digest, Uint8Array.of(0x04, ...publicKey.subarray(1))],
    ['key prefix 0x00', signature, digest, Uint8Array.of(0x00, ...publicKey.subarray(1))],
    ['key off the curve', signature, digest, offCurve],
    ['x ≥ p', signature, digest, Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff))],
    ['r = 0', sig(new Uint8Array(32), s), digest, publicKey],
    ['s = 0', sig(r, new Uint8Array(32)), digest, publicKey],
    ['r = n', sig(to32(N), s), digest, publicKey],
    ['s = n', sig(r, to32(N)), digest, publicKey],
    ['r = 2^256 - 1', sig(new Uint8Array(32).fill(0xff), s), digest, publicKey],
    ['s = 2^256 - 1', sig(r, new Uint8Array(32).fill(0xff)), digest, publicKey],
    ['r + n overflow twin', sig(to32((toBig(r) + N) % 2n ** 256n), s), digest, publicKey],
    ['other digest', signature, native.sha256(digest), publicKey],
    ['other key', signature, digest, native.publicKey(native.sha256(key))],
  ];
  for (const [name, sg, dg, pk] of cases) {
    t.notThrows(() => native.verify(sg, dg, pk), name);
    t.false(native.verify(sg, dg, pk), name);
    t.false(noble.verify(sg, dg, pk), `${name} (noble agrees)`);
  }
  t.true(native.verify(signature, digest, publicKey), 'the untouched signature still verifies');
});

/** Whether x is the x-coordinate of a secp256k1 point (Euler's criterion on x^3 + 7 mod p). */
function isOnCurve(x: bigint): boolean {
  const p = 2n ** 256n - 2n ** 32n - 977n;
  if (x >= p) return false;
  const pow = (b: bigint, e: bigint) => {
    let result = 1n;
    for (b %= p; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) result = (result * b) % p;
    return result;
  };
  const y2 = (x * x * x + 7n) % p;
  return y2 === 0n || pow(y2, (p - 1n) / 2n) === 1n;
}

test('native isValidPrivateKey agrees with noble at the edges', (t) => {
  const cases = [0n, 1n, 2n, N - 1n, N, N + 1n, 2n ** 256n - 1n].map(to32);
  cases.push(new Uint8Array(31).fill(1), new Uint8Array(33).fill(1), new Uint8Array(0));
  for (const key of cases) t.is(native.isValidPrivateKey(key), noble.isValidPrivateKey(key), hex(key));
  t.throws(() => native.sign(new Uint8Array(32), to32(N)), undefined, 'signing with k = n throws, as noble does');
  t.throws(() => native.sign(new Uint8Array(31), to32(1n)), { instanceOf: RangeError });
});

// --- the verification pool ---------------------------------------------------------

const CHAIN_ID = Uint8Array.of(0xb0, 0x70, 0x9e, 0xe4, 0, 0, 0, 7);
const OTHER_CHAIN = Uint8Array.of(0xb0, 0x70, 0x9e, 0xe4, 0, 0, 0, 8);

interface Device {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly id: Uint8Array;
}

function device(crypto: CryptoProvider, label: string): Device {
  const privateKey = crypto.sha256(ascii(`botpeer pool test ${label}`));
  const publicKey = crypto.publicKey(privateKey);
  return { privateKey, publicKey, id: keyId(crypto, publicKey) };
}

function readingTx(d: Device, seq: number, chainId = CHAIN_ID): Uint8Array {
  const body = readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [2100 + (seq % 97)] }]);
  return encodeTx(signTx(native, chainId, { kind: TxKind.READINGS, sender: d.id, seq, time: 1_767_225_600 + seq, body }, d.privateKey));
}

/** A mix of every outcome, in a scrambled order, with the answer expected for each. */
function mixedJobs(count: number): { jobs: VerifyJob[]; expected: boolean[] } {
  const devices = ['a', 'b', 'c', 'd'].map((l) => device(native, l));
  const jobs: VerifyJob[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const d = devices[i % devices.length]!;
    const wire = readingTx(d, i + 1);
    let job: VerifyJob;
    let ok = false;
    switch ((i * 7) % 9) {
      case 0:
      case 1:
      case 2:
        job = { wire, publicKey: d.publicKey };
        ok = true;
        break;
      case 3: // tampered signature: the last byte of the wire is the last byte of s
        job = { wire: wire.map((b, j) => (j === wire.length - 1 ? b ^ 0x01 : b)), publicKey: d.publicKey };
        break;
      case 4: // tampered reading: still decodes, digest differs
        job = { wire: tamperReading(wire), publicKey: d.publicKey };
        break;
      case 5: // another device's key
        job = { wire, publicKey: devices[(i + 1) % devices.length]!.publicKey };
        break;
      case 6: // undecodable: truncated, or random bytes
        job = { wire: i % 2 ? wire.subarray(0, wire.length - 5) : native.sha256(wire), publicKey: d.publicKey };
        break;
      case 7: // signed for another chain
        job = { wire: readingTx(d, i + 1, OTHER_CHAIN), publicKey: d.publicKey };
        break;
      default: // malformed key (not a point encoding) and an empty wire
        job = i % 2 ? { wire, publicKey: d.publicKey.subarray(1) } : { wire: new Uint8Array(0), publicKey: d.publicKey };
    }
    jobs.push(job);
    expected.push(ok);
  }
  return { jobs, expected };
}

function tamperReading(wire: Uint8Array): Uint8Array {
  const tx = decodeTx(wire);
  const body = readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [-1] }]);
  const forged = encodeTx({ ...tx, body });
  decodeTx(forged); // must still be a well-formed transaction
  return forged;
}

test('the pool answers valid, tampered, wrong-key, wrong-chain and undecodable jobs correctly and in order', async (t) => {
  const { jobs, expected } = mixedJobs(500);
  // Cross-check the expectations on the main thread with noble.
  const byNoble = jobs.map(({ wire, publicKey }) => {
    try {
      return verifyTxSignature(noble, CHAIN_ID, decodeTx(wire), publicKey).ok;
    } catch {
      return false;
    }
  });
  t.deepEqual(byNoble, expected);

  // Small batches so one call spans many messages and both workers.
  const pool = createVerifyPool({ workers: 2, chainId: CHAIN_ID, maxBatch: 32 });
  try {
    t.is(pool.size, 2);
    t.is(pool.liveWorkers(), 2);
    t.deepEqual(await pool.verify(jobs), expected);
    // Concurrent calls each get their own answers.
    const [first, second, empty, single] = await Promise.all([
      pool.verify(jobs.slice(0, 100)),
      pool.verify(jobs.slice(100).reverse()),
      pool.verify([]),
      pool.verify([jobs[0]!]),
    ]);
    t.deepEqual(first, expected.slice(0, 100));
    t.deepEqual(second, expected.slice(100).reverse());
    t.deepEqual(empty, []);
    t.deepEqual(single, [true]);
    t.log(`${expected.filter(Boolean).length} valid and ${expected.filter((x) => !x).length} invalid jobs answered in order by ${pool.size} workers`);
  } finally {
    await pool.close();
  }
});

test('the pool with default size has one worker per core and accepts jobs built from views', async (t) => {
  const d = device(native, 'views');
  const wire = readingTx(d, 1);
  // A view into a larger buffer: only its own bytes must be sent.
  const big = new Uint8Array(wire.length + 20).fill(0xee);
  big.set(wire, 10);
  const pool = createVerifyPool({ chainId: CHAIN_ID });
  try {
    const { availableParallelism } = await import('node:os');
    t.is(pool.size, availableParallelism());
    t.deepEqual(await pool.verify([{ wire: big.subarray(10, 10 + wire.length), publicKey: d.publicKey }, { wire: big, publicKey: d.publicKey }]), [true, false]);
  } finally {
    await pool.close();
  }
});

test('close() fails pending jobs, ends every worker and refuses new jobs', async (t) => {
  const { jobs } = mixedJobs(2000);
  const pool = createVerifyPool({ workers: 2, chainId: CHAIN_ID });
  t.is(pool.liveWorkers(), 2);
  const pending = pool.verify(jobs);
  const closed = pool.close();
  await t.throwsAsync(pending, { message: /verify pool closed/ });
  await closed;
  t.is(pool.liveWorkers(), 0);
  await t.throwsAsync(pool.verify(jobs.slice(0, 1)), { message: /verify pool is closed/ });
  await pool.close(); // idempotent
});

test('a worker that crashes or exits fails its pending jobs with a clear error instead of hanging', async (t) => {
  const workerUrl = new URL('./support/crashing-verify-worker.ts', import.meta.url);
  const { jobs } = mixedJobs(40);
  const pool = createVerifyPool({ workers: 1, chainId: CHAIN_ID, workerUrl });
  try {
    await t.throwsAsync(pool.verify(jobs), { message: /verify worker 0 crashed: simulated verify worker crash \(40 pending job\(s\) failed\)/ });
    // The slot is restarted on the next call, which fails the same way rather than hanging.
    await t.throwsAsync(pool.verify(jobs.slice(0, 3)), { message: /crashed: simulated/ });
  } finally {
    await pool.close();
  }

  process.env['BOTPEER_TEST_CRASH'] = 'exit';
  const exiting = createVerifyPool({ workers: 1, chainId: CHAIN_ID, workerUrl });
  delete process.env['BOTPEER_TEST_CRASH'];
  try {
    await t.throwsAsync(exiting.verify(jobs), { message: /verify worker 0 exited with code 7/ });
  } finally {
    await exiting.close();
  }
});

test('the pool rejects a call with a non-Uint8Array job before sending any of it', async (t) => {
  const d = device(native, 'types');
  const pool = createVerifyPool({ workers: 1, chainId: CHAIN_ID });
  try {
    const bad = [{ wire: readingTx(d, 1), publicKey: d.publicKey }, { wire: [1, 2, 3] as unknown as Uint8Array, publicKey: d.publicKey }];
    await t.throwsAsync(pool.verify(bad), { instanceOf: TypeError, message: /verify job 1/ });
    t.deepEqual(await pool.verify(bad.slice(0, 1)), [true]);
  } finally {
    await pool.close();
  }
});

test('createVerifyPool checks its options', (t) => {
  t.throws(() => createVerifyPool({ chainId: new Uint8Array(7) }), { instanceOf: RangeError });
  t.throws(() => createVerifyPool({ chainId: CHAIN_ID, workers: 0 }), { instanceOf: RangeError });
  t.throws(() => createVerifyPool({ chainId: CHAIN_ID, maxBatch: 0 }), { instanceOf: RangeError });
});
