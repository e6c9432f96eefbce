// Contract ids, namespaces and the store port (core layer, contracts): what the ledger state
// needs of contracts, apart from the contract interface (which needs the ledger state).

/** Contract ids: INVOKE's first body field, and the namespace of a built-in contract's state. Never renumber. */
export const ContractId = Object.freeze({
  /** Device registry: ENROLL, REVOKE, ROTATE_KEY, self-enrolment. */
  REGISTRY: 0,
  /** Blocklist of the DDoS use case: BLOCK_REPORT, BLOCK_LIFT. */
  BLOCKLIST: 1,
  /** The validator set: GOVERN. */
  GOVERNANCE: 2,
  /** Deployed contracts: DEPLOY (sources, keyed by code hash) and CALL (their own namespaces: the code hash). */
  DEPLOYED: 3,
  /** II.1 supply chain: items, custody, travelling devices (src/contracts/supply-chain/). */
  SUPPLY_CHAIN: 4,
  /** II.3 transport data exchange with credits (src/contracts/transport-credits/). */
  TRANSPORT_CREDITS: 5,
} as const);

/**
 * A contract's own entries: byte keys to byte values (its own CBOR). What it sets is a leaf of the
 * authenticated state (§6.3.3) under its namespace, so a light peer can be shown any single entry.
 */
export interface ContractStore {
  get(key: Uint8Array): Uint8Array | undefined;
  set(key: Uint8Array, value: Uint8Array): void;
  delete(key: Uint8Array): void;
}

/** The state namespace of built-in contract `id` (§6.3.1): its id as 2 bytes, big-endian. */
export function contractNamespace(id: number): Uint8Array {
  return Uint8Array.of((id >>> 8) & 0xff, id & 0xff);
}
