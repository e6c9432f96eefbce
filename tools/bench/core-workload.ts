// The core benchmark's workload (tools layer, platform-neutral): builds
// deterministic fixtures from src/ only, times each core operation and returns
// JSON-able figures. The same code runs on Node (core-bench.ts) and under XS
// (core-xs-entry.ts), so no Node built-ins, no Buffer, no TextEncoder here.

import {
  type CryptoProvider,
  type LightBlock,
  type ReadingSeries,
  type SignedTx,
  type UnsignedTx,
  Permission,
  Quantity,
  TxKind,
  ascii,
  bytesToHex,
  chainIdOf,
  createNobleCrypto,
  encodeTx,
  equalBytes,
  genesisHash,
  headerHash,
  inclusionProof,
  keyId,
  makeTrustOptions,
  makeValidatorSet,
  merkleRoot,
  readingsBody,
  signCommit,
  signTx,
  trustFromGenesis,
  txId,
  txSigningDigest,
  txSigningPreimage,
  validatorSetHash,
  verifyHeader,
  verifyInclusion,
} from '../../src/index.js';

export interface WorkloadOptions {
  /** Warm-up time per operation (JIT, caches, noble's base-point table on first use). */
  readonly warmupMs: number;
  /** Measured time per operation. */
  readonly budgetMs: number;
}

export interface OpFigure {
  readonly name: string;
  readonly iterations: number;
  readonly totalMs: number;
}

export interface TxSize {
  readonly readings: number;
  readonly cborBytes: number;
  readonly jsonBytes: number;
}

export interface WorkloadResult {
  readonly ops: OpFigure[];
  readonly sizes: TxSize[];
  /** Hex of outputs that must be identical on every engine (checked by the runner). */
  readonly fingerprint: string;
  /** Setup time before the first measurement (fixtures, Merkle tree). */
  readonly setupMs: number;
}

/** Fixtures shared with the Node-only OpenSSL baseline. */
export interface Fixtures {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly devicePublicKey: Uint8Array;
  readonly tx1: SignedTx;
  readonly tx1Digest: Uint8Array;
  readonly tx1Preimage: Uint8Array;
}

/**
 * Per-operation budgets. XS is an interpreter (~10-50x slower on hashing), so it
 * gets more time for a useful iteration count while its whole run stays well
 * under two minutes; noble's base-point table is built during setup, not timed.
 */
export const BUDGETS = Object.freeze({
  node: { warmupMs: 250, budgetMs: 1000 },
  xs: { warmupMs: 500, budgetMs: 3000 },
});

const GENESIS_TIME_MS = 1_700_000_000_000;
const TX_TIME_S = 1_700_000_100;
const MERKLE_LEAVES = 4096;

/** Deterministic private keys: 32 copies of one byte. */
const keyOf = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

function series(count: number): ReadingSeries[] {
  // Temperatures in centi-degrees, one a minute: realistic 2-byte CBOR mantissas.
  const values = Array.from({ length: count }, (_, i) => 2150 + ((i * 37) % 50));
  return [{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: count === 1 ? 0 : 60, values }];
}

function unsignedTx(sender: Uint8Array, readings: ReadingSeries[], seq: number): UnsignedTx {
  return { kind: TxKind.READINGS, sender, seq, time: TX_TIME_S, body: readingsBody(readings) };
}

/** The honest JSON equivalent of a signed readings transaction: named fields, ids and signature in hex. */
function txAsJson(tx: SignedTx, readings: ReadingSeries[]): string {
  return JSON.stringify({
    kind: tx.kind,
    sender: bytesToHex(tx.sender),
    seq: tx.seq,
    time: tx.time,
    readings: readings.map(({ quantity, scale, interval, values }) => ({ quantity, scale, interval, values })),
    signature: bytesToHex(tx.signature),
  });
}

function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench fixture broken: ${what}`);
}

export function makeFixtures(): Fixtures {
  const crypto = createNobleCrypto();
  const chainId = Uint8Array.of(0xb0, 0x70, 0x9e, 0xe4, 0, 0, 0, 1);
  const devicePrivate = keyOf(0x11);
  const devicePublicKey = crypto.publicKey(devicePrivate);
  const tx1 = signTx(crypto, chainId, unsignedTx(keyId(crypto, devicePublicKey), series(1), 1), devicePrivate);
  return {
    crypto,
    chainId,
    devicePublicKey,
    tx1,
    tx1Digest: txSigningDigest(crypto, chainId, tx1),
    tx1Preimage: txSigningPreimage(chainId, tx1),
  };
}

/** Times `run` after a warm-up; batches calls so the clock is read rarely even for sub-µs operations. */
export function measure(name: string, run: () => unknown, options: WorkloadOptions): OpFigure {
  const now = () => performance.now();
  // Doubling batches until the warm-up time is spent (at least two, so the estimate skips the first call).
  let perOpMs = 0;
  const warmStart = now();
  for (let batch = 1, round = 0; ; round++) {
    const t0 = now();
    for (let i = 0; i < batch; i++) run();
    const t1 = now();
    perOpMs = (t1 - t0) / batch;
    const left = options.warmupMs - (t1 - warmStart);
    if (left <= 0 && round >= 1) break;
    batch = Math.max(1, Math.min(batch * 2, Math.floor(left / Math.max(perOpMs, 1e-6))));
  }
  // About 50 clock reads over the budget.
  const size = Math.max(1, Math.floor(options.budgetMs / 50 / Math.max(perOpMs, 1e-6)));
  let iterations = 0;
  const start = now();
  let elapsed = 0;
  do {
    for (let i = 0; i < size; i++) run();
    iterations += size;
    elapsed = now() - start;
  } while (elapsed < options.budgetMs);
  return { name, iterations, totalMs: elapsed };
}

export function runCoreWorkload(options: WorkloadOptions): WorkloadResult {
  const setupStart = performance.now();
  const fx = makeFixtures();
  const { crypto, chainId, tx1 } = fx;
  const devicePrivate = keyOf(0x11);
  const sender = tx1.sender;
  const series1 = series(1);
  const series32 = series(32);
  const wire1 = encodeTx(tx1);
  const tx32 = signTx(crypto, chainId, unsignedTx(sender, series32, 2), devicePrivate);
  const wire32 = encodeTx(tx32);
  must(crypto.verify(tx1.signature, fx.tx1Digest, fx.devicePublicKey), 'tx signature does not verify');

  // Genesis with 4 validators, threshold 3; block 1 of 4096 transactions, committed by 3 of them.
  const validatorPrivates = [0x01, 0x02, 0x03, 0x04].map(keyOf);
  const validatorPublics = validatorPrivates.map((k) => crypto.publicKey(k));
  const validators = makeValidatorSet(3, validatorPublics);
  const genesis = {
    name: ascii('botpeer-bench'),
    time: GENESIS_TIME_MS,
    permission: Permission.PRIVATE,
    validators,
    operatorKey: crypto.publicKey(keyOf(0x05)),
  };
  const trusted = trustFromGenesis(crypto, genesis);
  // Leaves are transaction ids; any 32-byte values cost the same to prove, so derive them cheaply.
  const leaves = Array.from({ length: MERKLE_LEAVES }, (_, i) => txId(crypto, Uint8Array.of(i >> 8, i & 0xff, ...wire1)));
  const txRoot = merkleRoot(crypto, leaves);
  const leafIndex = 2749;
  const proof = inclusionProof(crypto, leaves, leafIndex);
  const vHash = validatorSetHash(crypto, validators);
  const header = {
    chainId: chainIdOf(crypto, genesis),
    height: 1,
    time: GENESIS_TIME_MS + 1000,
    prevHash: genesisHash(crypto, genesis),
    txRoot,
    txCount: MERKLE_LEAVES,
    stateRoot: crypto.sha256(ascii('state')),
    validatorsHash: vHash,
    nextValidatorsHash: vHash,
  };
  const hash = headerHash(crypto, header);
  const signers = [0, 1, 3].map((i) => ({
    index: validators.keys.findIndex((key) => equalBytes(key, validatorPublics[i]!)),
    privateKey: validatorPrivates[i]!,
  }));
  const block: LightBlock = { header, commit: signCommit(crypto, 1, hash, signers) };
  const now = GENESIS_TIME_MS + 2000;
  const trustOptions = makeTrustOptions();
  must(verifyHeader(crypto, trusted, block, now, trustOptions).ok, 'header does not verify');
  must(verifyInclusion(crypto, leaves[leafIndex]!, proof, txRoot).ok, 'inclusion proof does not verify');
  const setupMs = performance.now() - setupStart;

  let seq = 10;
  const encodeSign = (readings: ReadingSeries[]) => () =>
    encodeTx(signTx(crypto, chainId, unsignedTx(sender, readings, seq++), devicePrivate));
  const ops = [
    measure(`sha256 of a 1-reading tx (${wire1.length} B)`, () => crypto.sha256(wire1), options),
    measure('sign (32-byte digest)', () => crypto.sign(fx.tx1Digest, devicePrivate), options),
    measure('verify', () => crypto.verify(tx1.signature, fx.tx1Digest, fx.devicePublicKey), options),
    measure('encode+sign 1-reading tx', encodeSign(series1), options),
    measure('encode+sign 32-reading tx', encodeSign(series32), options),
    measure('verify header, 3-of-4 commit', () => verifyHeader(crypto, trusted, block, now, trustOptions), options),
    measure(`verify Merkle proof, ${MERKLE_LEAVES}-tx block`, () => verifyInclusion(crypto, leaves[leafIndex]!, proof, txRoot), options),
  ];

  const sizes = [
    { readings: 1, cborBytes: wire1.length, jsonBytes: txAsJson(tx1, series1).length },
    { readings: 32, cborBytes: wire32.length, jsonBytes: txAsJson(tx32, series32).length },
  ];
  const fingerprint = [wire1, wire32, txRoot, hash].map(bytesToHex).join(':');
  return { ops, sizes, fingerprint, setupMs };
}
