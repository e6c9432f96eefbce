// The host side of deployed contracts (tools layer, Node only): runs DEPLOYED INVOKE transactions
// (src/contracts/deployed/) in the XS sandbox before admission and turns the outcome into the
// HostEffects the core admits and applies. The gateway's ingest, its restart and a consortium
// member's replay call `admit` in ledger order, on the state the transaction will be applied to,
// and carry the effects with the pool entry to the block builder. Queries run on committed state.
//
// The sandbox holds sources in memory: a source in the state but not in the sandbox (after a
// restart, or deployed by a block this process did not admit) is loaded from the state on first use.
//
// A host failure (the worker could not start, crashed other than by a budget, or did not answer
// within `answerMs`) is not the contract's verdict: it is an INTERNAL outcome marked `hostFailure`.
// A lone gateway refuses the transaction with it (INTERNAL: the device sends again); a consortium
// member must not, or its state would part from the others' (member-executor.ts). The deadline
// bounds how long ingest holds the block producer (ingest.ts `holding`), whatever the worker does.

import {
  type CryptoProvider, ContractId, DeployedMethod, ErrorCode, type HostEffects, type LedgerState, type Result, type SignedTx, TxKind,
  BotError, admitTx, bytesToHex, contractNamespace, hexToBytes, isDeployedInvoke, parseDeployedCall,
} from '../../../src/index.js';
import { type ContractCallResult, type ContractSandbox, type ContractStateView, type DeployedContract } from './contract-sandbox.js';
import { contractHash } from './contract-hash.js';
import { canonicalJson } from './contract-value.js';

const DEPLOYED_NS = contractNamespace(ContractId.DEPLOYED);
// ignoreBOM: a leading EF BB BF stays in the text (U+FEFF). Stripped, a source's hash would not be
// the hash of its bytes, and a method name or arguments with it would pass for others without it.
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
/** Effects that pass admission's checks: admission is first run with these, the sandbox only if it passes. */
const NO_WRITES: HostEffects = Object.freeze({ writes: Object.freeze([]) });

/** What admission decided, and the effects to carry to the block builder when it admitted. */
export interface HostAdmission {
  readonly verdict: Result<undefined>;
  readonly effects?: HostEffects;
  /** The verdict is INTERNAL because this host failed (not the contract): another host may decide otherwise. */
  readonly hostFailure?: true;
}

/**
 * How long one DEPLOYED transaction may take in the sandbox before it is a host failure: far above
 * a run at the gas limit (10M gas, ~3 s) behind the HTTP API's queries of the same contract
 * (DEFAULT_MAX_SANDBOX_READS of them, each as long), since on a member it ends the replay.
 */
export const DEFAULT_ANSWER_MS = 60_000;

/** A deployed contract as the API lists it. */
export interface DeployedInfo extends DeployedContract {
  readonly source: string;
}

function failure(code: number, message: string): HostEffects {
  return { error: { code, message: message.slice(0, 256) } };
}

function isHostFailure(effects: HostEffects): boolean {
  return 'error' in effects && effects.error.code === ErrorCode.INTERNAL;
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

export class DeployedHost {
  private readonly shapes = new Map<string, DeployedContract>();

  constructor(
    private readonly crypto: CryptoProvider,
    readonly sandbox: ContractSandbox,
    /** Wall-clock bound of one transaction's run (gas bounds a contract's work, not a stuck worker). */
    private readonly answerMs = DEFAULT_ANSWER_MS,
  ) {}

  /** Whether `tx` is an INVOKE of the deployed-contracts contract (the sandbox must run it before admission). */
  static needs(tx: SignedTx): boolean {
    return tx.kind === TxKind.INVOKE && isDeployedInvoke(tx.body);
  }

  /**
   * Admission of a DEPLOYED transaction: every check but the sandbox's first (cheap: a replay or an
   * unknown hash never reaches the sandbox), then the sandbox on `state`, then admission with its outcome.
   * `height` is the block that will hold it (ctx.height); `id` the transaction id (ctx.txId).
   */
  async admit(state: LedgerState, tx: SignedTx, nowSeconds: number, height: number, id: Uint8Array): Promise<HostAdmission> {
    const pre = admitTx(this.crypto, state, tx, nowSeconds, height, NO_WRITES);
    if (!pre.ok) return { verdict: pre };
    const effects = await this.effects(state, tx, height, id);
    const verdict = admitTx(this.crypto, state, tx, nowSeconds, height, effects);
    return { verdict, effects, ...(isHostFailure(effects) ? { hostFailure: true as const } : {}) };
  }

  /**
   * Runs a DEPLOYED transaction in the sandbox on `state`. Never throws: a host failure, or no
   * answer within `answerMs`, is an INTERNAL outcome. A run given up on may still finish; it only
   * reads `state`, and what it returns is dropped.
   */
  async effects(state: LedgerState, tx: SignedTx, height: number, id: Uint8Array): Promise<HostEffects> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<HostEffects>((resolve) => {
      timer = setTimeout(() => {
        // Its worker is stopped, or every later call of the contract would wait behind it.
        const hash = codeHashOf(tx);
        if (hash !== undefined) void this.sandbox.stop(hash).catch(() => {});
        resolve(failure(ErrorCode.INTERNAL, `sandbox: no answer within ${this.answerMs} ms`));
      }, this.answerMs);
    });
    try {
      return await Promise.race([this.run(state, tx, height, id), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(state: LedgerState, tx: SignedTx, height: number, id: Uint8Array): Promise<HostEffects> {
    const parsed = parseDeployedCall(tx.body);
    if (!parsed.ok) return failure(parsed.code, parsed.reason);
    const call = parsed.value;
    try {
      if (call.method === DeployedMethod.DEPLOY) {
        const source = utf8(call.source);
        if (source === undefined) return failure(ErrorCode.BAD_CONTRACT, 'source is not UTF-8');
        // Checked and loaded already (a deploy admitted before a pool rebuild, sent again): the
        // check is deterministic, and deploying again would start a second worker for the hash.
        if (this.shapes.has(contractHash(source)) && this.sandbox.has(contractHash(source))) return NO_WRITES;
        const shape = await this.sandbox.deploy(source);
        this.shapes.set(shape.hash, shape);
        return NO_WRITES;
      }
      const hash = bytesToHex(call.codeHash);
      const loaded = await this.load(state, hash);
      if (!loaded.ok) return failure(loaded.code, loaded.reason);
      const name = utf8(call.name);
      if (name === undefined) return failure(ErrorCode.UNKNOWN_METHOD, 'method name is not UTF-8');
      const args = parseArgs(call.args);
      if (!args.ok) return failure(args.code, args.reason);
      const context = { sender: bytesToHex(tx.sender), height, txId: bytesToHex(id) };
      const result = await this.sandbox.invoke(hash, name, args.value, context, this.view(state, call.codeHash));
      if (!result.ok) return failure(result.error.code, result.error.message);
      return { writes: result.writes.map(([key, value]) => [encoder.encode(key), value ?? undefined] as const) };
    } catch (error) {
      if (error instanceof BotError) return failure(error.code, error.message);
      return failure(ErrorCode.INTERNAL, `sandbox: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Runs query `name` of contract `hashHex` on `state` (committed), args as contract data. */
  async query(state: LedgerState, hashHex: string, name: string, args: unknown, height: number): Promise<ContractCallResult> {
    const loaded = await this.load(state, hashHex);
    if (!loaded.ok) return { ok: false, error: { code: loaded.code, message: loaded.reason } };
    return this.sandbox.query(hashHex, name, args, { sender: '', height, txId: '' }, this.view(state, hexToBytes(hashHex)));
  }

  /** A deployed contract's source, methods and queries, or undefined when `state` holds none under that hash. */
  async describe(state: LedgerState, hashHex: string): Promise<DeployedInfo | undefined> {
    const loaded = await this.load(state, hashHex);
    if (!loaded.ok) return undefined;
    return { ...loaded.value, source: strict.decode(state.entry(DEPLOYED_NS, hexToBytes(hashHex))!) };
  }

  /** Code hashes (hex) of every contract deployed in `state`, sorted. */
  list(state: LedgerState): string[] {
    return state.contractEntries()
      .filter((e) => e.value !== undefined && e.namespace.length === DEPLOYED_NS.length && e.namespace[0] === DEPLOYED_NS[0] && e.namespace[1] === DEPLOYED_NS[1])
      .map((e) => bytesToHex(e.key))
      .sort();
  }

  close(): Promise<void> {
    return this.sandbox.close();
  }

  /** Makes sure the sandbox holds the source `state` has under `hashHex`. */
  private async load(state: LedgerState, hashHex: string): Promise<Result<DeployedContract>> {
    if (!/^[0-9a-f]{64}$/.test(hashHex)) return { ok: false, code: ErrorCode.UNKNOWN_CONTRACT, reason: 'a code hash is 64 hex digits' };
    const stored = state.entry(DEPLOYED_NS, hexToBytes(hashHex));
    if (stored === undefined) return { ok: false, code: ErrorCode.UNKNOWN_CONTRACT, reason: `no contract ${hashHex}` };
    const known = this.shapes.get(hashHex);
    if (known && this.sandbox.has(hashHex)) return { ok: true, value: known };
    const shape = await this.sandbox.deploy(strict.decode(stored));
    this.shapes.set(hashHex, shape);
    return { ok: true, value: shape };
  }

  private view(state: LedgerState, namespace: Uint8Array): ContractStateView {
    return { get: (key) => state.entry(namespace, encoder.encode(key)) };
  }
}

/** The code hash (hex) a DEPLOYED transaction runs: the called one, or the deployed source's; undefined when it does not parse. */
function codeHashOf(tx: SignedTx): string | undefined {
  const parsed = parseDeployedCall(tx.body);
  if (!parsed.ok) return undefined;
  if (parsed.value.method !== DeployedMethod.DEPLOY) return bytesToHex(parsed.value.codeHash);
  const source = utf8(parsed.value.source);
  return source === undefined ? undefined : contractHash(source);
}

/** A CALL's args: UTF-8 canonical JSON of contract data; BAD_CONTRACT_VALUE otherwise. */
function parseArgs(bytes: Uint8Array): Result<unknown> {
  const text = utf8(bytes);
  if (text === undefined) return { ok: false, code: ErrorCode.BAD_CONTRACT_VALUE, reason: 'args are not UTF-8' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: ErrorCode.BAD_CONTRACT_VALUE, reason: 'args are not JSON' };
  }
  try {
    if (canonicalJson(value) !== text) return { ok: false, code: ErrorCode.BAD_CONTRACT_VALUE, reason: 'args are not canonical JSON (no whitespace, keys sorted)' };
  } catch (error) {
    if (error instanceof BotError) return { ok: false, code: error.code, reason: error.message };
    throw error;
  }
  return { ok: true, value };
}

/** A byte string in a transaction is at most this long (TX_LIMITS): a source goes in chunks of it. */
export const SOURCE_CHUNK_BYTES = 256;

/** The INVOKE body of a DEPLOY (what `botpeer contract deploy` signs): the source's UTF-8 bytes in 256-byte chunks. */
export function deployBody(source: string): [number, number, Uint8Array[]] {
  const bytes = encoder.encode(source);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += SOURCE_CHUNK_BYTES) chunks.push(bytes.subarray(at, at + SOURCE_CHUNK_BYTES));
  return [ContractId.DEPLOYED, DeployedMethod.DEPLOY, chunks];
}

/** The INVOKE body of a CALL; `args` is contract data, encoded as canonical JSON. */
export function callBody(codeHashHex: string, method: string, args: unknown): [number, number, [Uint8Array, Uint8Array, Uint8Array]] {
  return [ContractId.DEPLOYED, DeployedMethod.CALL, [hexToBytes(codeHashHex), encoder.encode(method), encoder.encode(canonicalJson(args === undefined ? null : args))]];
}
