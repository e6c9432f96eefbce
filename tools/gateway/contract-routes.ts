// The gateway's contract routes (tools layer, Node only), called from http-api.ts:
//
//   GET /contracts                      the registered contracts (src/contracts/registered.ts)
//   GET /state/:namespace/:key          one entry of the committed state with its proof (§6.3.3)
//
// /state answers from the committed state, whose root is the stateRoot of the newest block's
// header; the answer names that height, so a client checks the proof with verifyStateProof
// against that header, which it verified itself: an entry's presence ("enrolled") or its absence
// ("not blocked") then rests on the validators' commit, not on this gateway. Any namespace may be
// asked (a contract added later, a deployed one): the proof of an absent key is as good as any.

import {
  type Contract, type CryptoProvider, type LedgerState, CONTRACTS, bytesToHex, contractNamespace, decodeLightBlock, encodeStateProof, equalBytes, hexToBytes,
} from '../../src/index.js';
import type { LedgerStore } from './ledger-store.js';
import { RequestError, kindName } from './ledger-json.js';

/** Longest namespace asked for: built-in ones are 2 bytes; room for a 32-byte hash of a deployed contract. */
export const MAX_NAMESPACE_BYTES = 32;
/** Longest key asked for: ids are 8 bytes, hashes 32; more is no key any contract writes here. */
export const MAX_STATE_KEY_BYTES = 64;

/** A reply other than 200 or 400 (RequestError): http-api.ts turns it into {error, code}. */
export class RouteError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'RouteError';
  }
}

export interface ContractJson {
  readonly id: number;
  readonly name: string;
  /** Its state namespace (hex): the first path segment of /state. */
  readonly namespace: string;
  /** Transaction kinds it owns, by name. */
  readonly kinds: readonly string[];
  /** INVOKE methods and query methods, number → name. */
  readonly methods: Readonly<Record<number, string>>;
  readonly queries: Readonly<Record<number, string>>;
}

export interface StateJson {
  /** The block whose header's stateRoot the proof is against (the newest one). */
  readonly height: number;
  readonly namespace: string;
  readonly key: string;
  /** The entry's bytes (hex), or null when absent. */
  readonly value: string | null;
  /** encodeStateProof (hex): membership of `value`, or non-membership when it is null. */
  readonly proof: string;
  /** The root the proof rebuilds, for curl users: a client takes it from the header it verified, never from here. */
  readonly stateRoot: string;
}

export function contractsJson(contracts: readonly Contract[] = CONTRACTS): ContractJson[] {
  return contracts.map((c) => ({
    id: c.id,
    name: c.name,
    namespace: bytesToHex(contractNamespace(c.id)),
    kinds: c.kinds.map((k) => kindName(k)),
    methods: { ...c.methods },
    queries: { ...c.queries },
  }));
}

/** 1..max bytes as hex (either case), checked before anything is allocated from it. */
export function parseHexBytes(text: string, max: number, what: string): Uint8Array {
  if (text.length === 0 || text.length > 2 * max || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) {
    throw new RequestError(`${what} must be 1 to ${max} bytes as an even number of hex digits, got ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
  }
  return hexToBytes(text.toLowerCase());
}

/**
 * Answers /contracts and /state/…, or returns undefined for any other path (http-api.ts then
 * tries its other routes). Throws RequestError (400) or RouteError.
 */
export function contractRoute(
  crypto: CryptoProvider,
  store: LedgerStore,
  committed: () => LedgerState,
  segments: readonly string[],
): ContractJson[] | StateJson | undefined {
  const [first, namespaceHex, keyHex] = segments;
  if (first === 'contracts' && segments.length === 1) return contractsJson();
  if (first !== 'state') return undefined;
  if (segments.length !== 3) throw new RequestError('a state entry is /state/<namespace hex>/<key hex>');
  const namespace = parseHexBytes(namespaceHex!, MAX_NAMESPACE_BYTES, 'a namespace');
  const key = parseHexBytes(keyHex!, MAX_STATE_KEY_BYTES, 'a key');
  const latest = store.latestBlock();
  if (!latest) throw new RouteError(404, 'NOT_FOUND', 'no blocks yet: a state proof needs a header to be checked against');
  const answer = committed().prove(crypto, namespace, key);
  // The committed state and the newest block move together (one synchronous step of the producer
  // or member); a proof against any other root would only be refused by every client.
  const headerRoot = stateRootAt(store, latest.height);
  if (!equalBytes(answer.root, headerRoot)) {
    throw new RouteError(500, 'INTERNAL', `the committed state's root ${bytesToHex(answer.root)} is not the stateRoot of header ${latest.height}`);
  }
  return {
    height: latest.height,
    namespace: bytesToHex(namespace),
    key: bytesToHex(key),
    value: answer.value === undefined ? null : bytesToHex(answer.value),
    proof: bytesToHex(encodeStateProof(answer.proof)),
    stateRoot: bytesToHex(answer.root),
  };
}

/** The newest header's stateRoot, decoded once per block rather than per request. */
let lastRoot: { store: LedgerStore; height: number; root: Uint8Array } | undefined;

function stateRootAt(store: LedgerStore, height: number): Uint8Array {
  if (lastRoot && lastRoot.store === store && lastRoot.height === height) return lastRoot.root;
  const block = store.block(height);
  if (!block) throw new RouteError(500, 'INTERNAL', `block ${height} is not in the store`);
  const root = decodeLightBlock(block.lightBlock).header.stateRoot;
  lastRoot = { store, height, root };
  return root;
}
