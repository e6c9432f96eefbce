// Request/response over MQTT for devices (tools layer): one handler per method
// of the protocol's Method table. A request names its device by topic; answers
// go to that device's `res` topic. Every request gets exactly one response
// (protocol §9.4): one that does not decode is answered with its request id when
// that reads as one, else with id 0, and the code of the first check it failed.

import {
  BotError, type ChainTopics, type CryptoProvider, DeviceTopic, ErrorCode, type LedgerState, MAX_HEADER_RANGE, Method,
  RESPONSE_LIMITS, type Request, type ValidatorSet, bytesToHex, decodeRequest, encodeCbor, encodeCheckpoint,
  encodeProofMessage, encodeReadingsAnswer, encodeStateAnswer, stateProofParams, encodeResponse, encodeValidatorSet, equalBytes, inclusionProof, parseDeviceTopic, requestIdOf,
  TxKind, validatorSetHash,
} from '../../src/index.js';
import type { Checkpoint } from '../../src/index.js';
import type { Bus } from './bus.js';
import type { LedgerStore } from './ledger-store.js';

export interface QueryDeps {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly topics: ChainTopics;
  readonly store: LedgerStore;
  /**
   * Whether `sender`'s transaction `seq` is admitted and not yet in a stored block (default: in the
   * store's pending pool; a consortium member keeps its own, the stream being its durable record).
   */
  readonly isPending?: (sender: Uint8Array, seq: number) => boolean;
  readonly bus: Bus;
  /** Answers VALIDATORS for a chain whose state holds no set (and for headers still under it). */
  readonly genesisValidators: ValidatorSet;
  readonly committed: () => LedgerState;
  readonly checkpoint: () => Checkpoint | undefined;
}

/** Contract ids for STATE queries. */
export const StateContract = Object.freeze({ REGISTRY: 0, BLOCKLIST: 1 } as const);

/** Params each method takes (§9.4). */
const PARAM_COUNT: Readonly<Record<Method, number>> = Object.freeze({
  [Method.HEADER_RANGE]: 2, [Method.VALIDATORS]: 1, [Method.PROOF]: 1, [Method.STATE]: 2, [Method.CHECKPOINT]: 0, [Method.LATEST_READINGS]: 1,
  [Method.STATE_PROOF]: 2,
});

/** LATEST_READINGS looks this far back through a device's newest transactions for a READINGS one. */
const READINGS_LOOKBACK = 16;

/** Leaves room for the response's own framing inside RESPONSE_LIMITS. */
const PAYLOAD_BUDGET = RESPONSE_LIMITS.maxBytes - 64;

export class Queries {
  constructor(private readonly deps: QueryDeps) {}

  handle(topic: string, payload: Uint8Array): void {
    const target = parseDeviceTopic(this.deps.chainId, topic);
    if (!target || target.topic !== DeviceTopic.REQUEST) return;
    const { id, code, payloads } = this.respond(target.deviceId, payload);
    const response = encodeResponse({ id, code, payloads });
    this.deps.bus.publish(this.deps.topics.device(target.deviceId, DeviceTopic.RESPONSE), response, { qos: 1 }).catch(() => {});
  }

  /** The response to one request payload: exactly one, whatever the bytes. */
  respond(deviceId: Uint8Array, payload: Uint8Array): { id: number; code: number; payloads: Uint8Array[] } {
    let request: Request;
    try {
      request = decodeRequest(payload);
    } catch (error) {
      // Still answered, so a device is never left waiting out its timeout: with the id it sent
      // when that reads as one, else 0.
      return { id: requestIdOf(payload), code: error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR, payloads: [] };
    }
    try {
      return { id: request.id, code: ErrorCode.OK, payloads: this.answer(deviceId, request) };
    } catch (error) {
      return { id: request.id, code: error instanceof BotError ? error.code : ErrorCode.INTERNAL, payloads: [] };
    }
  }

  answer(deviceId: Uint8Array, request: Request): Uint8Array[] {
    const p = request.params;
    // Params of the wrong count or type are BAD_SHAPE (§9.4), like any other shape fault.
    const arity = (n: number) => {
      if (p.length !== n) throw new BotError(ErrorCode.BAD_SHAPE, `method ${request.method} takes ${n} params, not ${p.length}`);
    };
    const uintParam = (i: number) => {
      const v = p[i];
      if (typeof v !== 'number' || v < 0) throw new BotError(ErrorCode.BAD_SHAPE, `param ${i} must be an unsigned integer`);
      return v;
    };
    const bytesParam = (i: number, length: number) => {
      const v = p[i];
      if (!(v instanceof Uint8Array) || v.length !== length) throw new BotError(ErrorCode.BAD_SHAPE, `param ${i} must be ${length} bytes`);
      return v;
    };
    arity(PARAM_COUNT[request.method]);
    switch (request.method) {
      case Method.HEADER_RANGE: {
        // from 0 (the genesis has no light block) counts as 1; from > to, or above the newest block: none.
        const from = Math.max(1, uintParam(0));
        const to = Math.min(uintParam(1), from + MAX_HEADER_RANGE - 1, this.deps.store.latestBlock()?.height ?? 0);
        const out: Uint8Array[] = [];
        let bytes = 0;
        for (let h = from; h <= to; h++) {
          const block = this.deps.store.block(h)!;
          if (bytes + block.lightBlock.length + 4 > PAYLOAD_BUDGET) break;
          bytes += block.lightBlock.length + 4;
          out.push(block.lightBlock);
        }
        return out;
      }
      case Method.VALIDATORS: {
        // The committed state's sets (signing the next block, and after it), then the genesis set.
        const hash = bytesParam(0, 32);
        const state = this.deps.committed();
        const known = [state.validators(), state.nextValidators(), this.deps.genesisValidators];
        const set = known.find((s) => s !== undefined && equalBytes(hash, validatorSetHash(this.deps.crypto, s)));
        if (!set) throw new BotError(ErrorCode.NOT_FOUND, 'no validator set with that hash');
        return [encodeValidatorSet(set)];
      }
      case Method.PROOF: {
        const seq = uintParam(0);
        const tx = this.deps.store.txBySenderSeq(deviceId, seq);
        if (!tx) {
          // Accepted (durable, acknowledged) but not yet in a block: OK with no payload, so a device
          // can tell it from a transaction this gateway never accepted (NOT_FOUND), whose seq is spent.
          const pending = this.deps.isPending ? this.deps.isPending(deviceId, seq) : this.deps.store.pendingBySenderSeq(deviceId, seq) !== undefined;
          if (pending) return [];
          throw new BotError(ErrorCode.NOT_FOUND, `no transaction ${seq} of ${bytesToHex(deviceId)}`);
        }
        const proof = inclusionProof(this.deps.crypto, this.deps.store.blockTxIds(tx.height), tx.index);
        return [encodeProofMessage({ height: tx.height, proofs: [{ seq, proof }] })];
      }
      case Method.STATE: {
        const contract = uintParam(0);
        const id = bytesParam(1, 8);
        const state = this.deps.committed();
        if (contract === StateContract.REGISTRY) {
          const a = state.account(id);
          return a ? [encodeCbor([a.id, a.key, a.role, a.status, a.lastSeq, a.enrolledAt])] : [];
        }
        if (contract === StateContract.BLOCKLIST) {
          const b = state.blockEntry(id);
          return b ? [encodeCbor([b.id, b.reason, b.reporter, b.height])] : [];
        }
        throw new BotError(ErrorCode.BAD_REQUEST, `no contract ${contract}`);
      }
      case Method.LATEST_READINGS: {
        // Any device may ask for any device's readings: they are in the ledger, which is public to
        // members' devices; the asker verifies the answer itself (§8.8), so nothing here is trusted.
        const id = bytesParam(0, 8);
        const account = this.deps.committed().account(id);
        if (!account) throw new BotError(ErrorCode.NOT_FOUND, `${bytesToHex(id)} is not an account`);
        const tx = this.deps.store.txsBySender(id, READINGS_LOOKBACK).find((t) => t.kind === TxKind.READINGS);
        if (!tx) return [];
        const proof = inclusionProof(this.deps.crypto, this.deps.store.blockTxIds(tx.height), tx.index);
        return encodeReadingsAnswer({ wire: tx.wire, height: tx.height, seq: tx.seq, proof, key: account.key });
      }
      case Method.STATE_PROOF: {
        // Against the newest block: the committed state is the one its header's stateRoot names
        // (both move together, in one synchronous step, when a block is stored).
        const { namespace, key } = stateProofParams(p);
        const height = this.deps.store.latestBlock()?.height;
        if (height === undefined) throw new BotError(ErrorCode.NOT_FOUND, 'no block yet: no stateRoot to prove against');
        const { value, proof } = this.deps.committed().prove(this.deps.crypto, namespace, key);
        return encodeStateAnswer({ height, value, proof });
      }
      case Method.CHECKPOINT: {
        const checkpoint = this.deps.checkpoint();
        if (!checkpoint) throw new BotError(ErrorCode.NOT_FOUND, 'this gateway holds no operator checkpoint');
        return [encodeCheckpoint(checkpoint)];
      }
    }
  }
}
