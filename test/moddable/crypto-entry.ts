// The native crypto module under Moddable's XS (test layer, Moddable x-cli-lin app).
// Bundled by test/moddable/moddable-app.ts with the native module and the x-cli-lin
// host left as Moddable modules; driven by test/moddable-crypto.test.ts.
//
// Runs every shared vector with the native provider, cross-checks it against the
// noble provider on derived keys, digests and malformed inputs, then times both
// providers in the same XS build and reads XS's memory counters around them.
// Prints one line `BOTPEER-RESULT <json>` and exits.

import { createNobleCrypto } from '../../src/crypto/noble-crypto.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { createSecp256k1Crypto, nativeContextBytes } from '../../modules/crypto-secp256k1/crypto-secp256k1.js';
import { exit, memory, microseconds, write, type XsMemory } from '../../hosts/x-cli-lin/host.js';
import { runAllVectorSuites } from '../suites/vector-suites.js';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
function fromBig(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}
function toBig(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x;
}
const fromHex = (text: string) => Uint8Array.from({ length: text.length / 2 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
// BIP-340 test vector 1 (bitcoin/bips bip-0340/test-vectors.csv): valid.
const BIP340_KEY = 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659';
const BIP340_MSG = '243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c89';
const BIP340_SIG = '6896bd60eeae296db48a229ff71dfe071bde413e6d43f917dc8dcf8c78de33418906d11ac976abccb20b091292bff4ea897efcb639ea871cfa95f6de339e4b0a';
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Compares what both providers answer for derived and malformed inputs; returns the mismatches. */
function crossCheck(a: CryptoProvider, b: CryptoProvider, rounds: number): string[] {
  const problems: string[] = [];
  const same = (what: string, x: unknown, y: unknown) => {
    const fx = x instanceof Uint8Array ? toHex(x) : String(x);
    const fy = y instanceof Uint8Array ? toHex(y) : String(y);
    if (fx !== fy) problems.push(`${what}: ${a.name} ${fx} ≠ ${b.name} ${fy}`);
  };
  const outcome = (f: () => unknown) => {
    try {
      return f();
    } catch {
      return 'threw';
    }
  };
  let seed = a.sha256(ascii('botpeer moddable cross-check'));
  for (let i = 0; i < rounds; i++) {
    seed = a.sha256(seed);
    const key = a.sha256(ascii(`key ${i}`));
    const data = seed.subarray(0, i % 33); // empty, short and odd lengths, and a subarray view
    same(`sha256 #${i}`, a.sha256(data), b.sha256(data));
    same(`valid key #${i}`, a.isValidPrivateKey(key), b.isValidPrivateKey(key));
    const pub = a.publicKey(key);
    same(`public key #${i}`, pub, b.publicKey(key));
    const sig = a.sign(seed, key);
    same(`signature #${i}`, sig, b.sign(seed, key));
    same(`verify #${i}`, a.verify(sig, seed, pub), b.verify(sig, seed, pub));
    // The same signature with S replaced by n − S (high S) must be refused by both.
    const high = sig.slice();
    high.set(fromBig(N - toBig(sig.subarray(32))), 32);
    same(`high-S #${i}`, a.verify(high, seed, pub), false);
    same(`high-S noble #${i}`, b.verify(high, seed, pub), false);
    const flipped = seed.slice();
    flipped[i % 32]! ^= 1;
    same(`wrong digest #${i}`, a.verify(sig, flipped, pub), b.verify(sig, flipped, pub));
  }
  const key = a.sha256(ascii('edge'));
  const digest = a.sha256(ascii('digest'));
  const sig = a.sign(digest, key);
  const pub = a.publicKey(key);
  const badSigs: Record<string, Uint8Array> = {
    'r = 0': Uint8Array.from([...new Uint8Array(32), ...sig.subarray(32)]),
    's = 0': Uint8Array.from([...sig.subarray(0, 32), ...new Uint8Array(32)]),
    'r = n': Uint8Array.from([...fromBig(N), ...sig.subarray(32)]),
    's = n': Uint8Array.from([...sig.subarray(0, 32), ...fromBig(N)]),
    'all ones': new Uint8Array(64).fill(0xff),
    short: sig.subarray(0, 63),
    long: Uint8Array.from([...sig, 0]),
  };
  for (const [what, s] of Object.entries(badSigs)) {
    same(`verify ${what}`, outcome(() => a.verify(s, digest, pub)), false);
    same(`verify ${what} (noble)`, outcome(() => b.verify(s, digest, pub)), false);
  }
  const offCurve = new Uint8Array(33);
  offCurve[0] = 0x02;
  offCurve[32] = 5; // x = 5: x³ + 7 = 132 is not a square mod p
  const badKeys: Record<string, Uint8Array> = {
    'prefix 04': Uint8Array.from([4, ...pub.subarray(1)]),
    'prefix 00': Uint8Array.from([0, ...pub.subarray(1)]),
    'x not on curve': offCurve,
    'x = p': Uint8Array.from([2, ...fromBig(0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn)]),
    short: pub.subarray(0, 32),
  };
  for (const [what, k] of Object.entries(badKeys)) {
    same(`verify key ${what}`, outcome(() => a.verify(sig, digest, k)), outcome(() => b.verify(sig, digest, k)));
  }
  same('verify non-bytes', outcome(() => a.verify('x' as never, digest, pub)), false);
  same('verify short digest', outcome(() => a.verify(sig, digest.subarray(1), pub)), false);
  for (const [what, k] of Object.entries({ zero: new Uint8Array(32), n: fromBig(N), 'n − 1': fromBig(N - 1n), short: key.subarray(1) })) {
    same(`valid private key ${what}`, a.isValidPrivateKey(k), b.isValidPrivateKey(k));
    same(`public key of ${what}`, outcome(() => a.publicKey(k)) === 'threw', outcome(() => b.publicKey(k)) === 'threw');
    same(`sign with ${what}`, outcome(() => a.sign(digest, k)) === 'threw', outcome(() => b.sign(digest, k)) === 'threw');
  }
  same('sign short digest', outcome(() => a.sign(digest.subarray(1), key)) === 'threw', true);
  // BIP-340 (the vectors hold BIP-340's own cases): a derived-looking signature with each byte
  // flipped, and shapes the native side must answer false to without throwing.
  const schnorr = fromHex(BIP340_SIG);
  const xonly = fromHex(BIP340_KEY);
  const message = fromHex(BIP340_MSG);
  same('schnorr valid', a.verifySchnorr(schnorr, message, xonly), b.verifySchnorr(schnorr, message, xonly));
  for (let i = 0; i < 64; i += 7) {
    const bad = schnorr.slice();
    bad[i]! ^= 0x80;
    same(`schnorr byte ${i} flipped`, a.verifySchnorr(bad, message, xonly), b.verifySchnorr(bad, message, xonly));
  }
  same('schnorr non-bytes', outcome(() => a.verifySchnorr('x' as never, message, xonly)), false);
  same('schnorr short signature', outcome(() => a.verifySchnorr(schnorr.subarray(1), message, xonly)), false);
  same('schnorr short message', outcome(() => a.verifySchnorr(schnorr, message.subarray(1), xonly)), false);
  same('schnorr compressed key', outcome(() => a.verifySchnorr(schnorr, message, Uint8Array.from([2, ...xonly]))), false);
  return problems;
}

interface Timing {
  readonly op: string;
  readonly provider: string;
  readonly iterations: number;
  readonly microseconds: number;
}

/** Runs `body` until `budgetUs` has passed (at least `min` times) and returns µs per call. */
function time(op: string, provider: string, budgetUs: number, min: number, body: () => void): Timing {
  body(); // first call outside the timing: lazy tables and contexts
  let iterations = 0;
  const start = microseconds();
  let elapsed = 0;
  while (iterations < min || elapsed < budgetUs) {
    body();
    iterations++;
    elapsed = microseconds() - start;
  }
  return { op, provider, iterations, microseconds: Math.round((elapsed / iterations) * 10) / 10 };
}

function bench(crypto: CryptoProvider, budgetUs: number): Timing[] {
  const key = crypto.sha256(ascii('bench key'));
  const digest = crypto.sha256(ascii('bench digest'));
  const pub = crypto.publicKey(key);
  const sig = crypto.sign(digest, key);
  const block = new Uint8Array(1024);
  const schnorr = fromHex(BIP340_SIG);
  const message = fromHex(BIP340_MSG);
  const xonly = fromHex(BIP340_KEY);
  if (!crypto.verifySchnorr(schnorr, message, xonly)) throw new Error(`${crypto.name}: BIP-340 vector 1 does not verify`);
  return [
    time('sha256 32 B', crypto.name, budgetUs, 20, () => crypto.sha256(digest)),
    time('sha256 1 KB', crypto.name, budgetUs, 20, () => crypto.sha256(block)),
    time('publicKey', crypto.name, budgetUs, 3, () => crypto.publicKey(key)),
    time('sign', crypto.name, budgetUs, 3, () => crypto.sign(digest, key)),
    time('verify', crypto.name, budgetUs, 3, () => crypto.verify(sig, digest, pub)),
    time('verifySchnorr', crypto.name, budgetUs, 3, () => crypto.verifySchnorr(schnorr, message, xonly)),
  ];
}

const snapshot = (): XsMemory => memory(true);

const atStart = snapshot();
const native = createSecp256k1Crypto();
const vectors = runAllVectorSuites(native);
const afterVectors = snapshot();
const nativeTimings = bench(native, 300_000);
const afterNativeBench = snapshot();

const noble = createNobleCrypto();
const problems = crossCheck(native, noble, 24);
const afterNoble = snapshot(); // noble's base-point table is built and held from here on
const nobleTimings = bench(noble, 300_000);
const afterNobleBench = snapshot();

write(
  `BOTPEER-RESULT ${JSON.stringify({
    vectors: { total: vectors.length, passed: vectors.filter((r) => r.passed).length, failed: vectors.filter((r) => !r.passed) },
    crossCheck: problems,
    timings: [...nativeTimings, ...nobleTimings],
    memory: { atStart, afterVectors, afterNativeBench, afterNoble, afterNobleBench },
    nativeContextBytes: nativeContextBytes(),
  })}\n`,
);
exit(0);
