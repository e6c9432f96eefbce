// The closed table of protocol error codes (core layer). docs/protocol.md lists
// the same table; acknowledgements carry these numbers on the wire, so a code is
// never renumbered or reused. Ranges: 1xx encoding, 2xx transactions,
// 3xx headers and light client, 4xx Merkle proofs, 5xx transport, 6xx peer state (61x watch rules),
// 7xx contracts (700-719 the core's contract interface, 72x the deployed-contract sandbox, 73x the
// use-case contracts: supply chain and transport credits).

export const ErrorCode = Object.freeze({
  OK: 0,

  MALFORMED_CBOR: 100,
  NON_CANONICAL: 101,
  TOO_LARGE: 102,
  TOO_DEEP: 103,
  TOO_MANY_ITEMS: 104,
  UNSUPPORTED_TYPE: 105,
  BAD_SHAPE: 106,
  INT_OUT_OF_RANGE: 107,
  TRAILING_BYTES: 108,

  BAD_SIGNATURE: 200,
  WRONG_CHAIN: 201,
  UNKNOWN_KIND: 202,
  UNKNOWN_SENDER: 203,
  REVOKED: 204,
  BLOCKED: 205,
  REPLAY: 206,
  SEQUENCE_GAP: 207,
  NOT_PERMITTED: 208,
  RATE_LIMITED: 209,
  BAD_BODY: 210,
  TIME_OUT_OF_RANGE: 211,
  BAD_KEY: 212,
  DUPLICATE_DEVICE: 213,
  WRONG_SENDER: 214,
  BAD_APPROVALS: 215,
  NOT_A_MEMBER: 216,
  /** Public chain: the device's (or the block's self-enrolment) quota for this block is used up. */
  QUOTA_EXCEEDED: 218,
  /** Public chain: the self-enrolment's proof of work has too few leading zero bits. */
  BAD_POW: 219,

  TRUST_EXPIRED: 300,
  NOT_NEWER: 301,
  TIME_NOT_MONOTONIC: 302,
  FROM_FUTURE: 303,
  COMMIT_MISMATCH: 304,
  PREV_HASH_MISMATCH: 305,
  VALSET_MISMATCH: 306,
  VALSET_CHANGED: 307,
  INSUFFICIENT_SIGNATURES: 308,
  BAD_COMMIT: 309,
  BAD_COMMIT_SIGNATURE: 310,
  BAD_VALIDATOR_SET: 311,
  BAD_CHECKPOINT_SIGNATURE: 312,
  CHECKPOINT_ROLLBACK: 313,
  BAD_TRUST_OPTIONS: 314,
  ABOVE_TRUSTED: 315,

  BAD_PROOF: 400,
  PROOF_SHAPE: 401,

  MQTT_MALFORMED: 500,
  MQTT_UNEXPECTED: 501,
  UNKNOWN_TOPIC: 502,
  BAD_REQUEST: 503,
  NOT_FOUND: 504,

  OUTBOX_FULL: 600,
  STORAGE: 601,
  BAD_PEER_CONFIG: 602,
  /** Watch rule (docs/protocol.md §8.8): the reading's block is not one the device verified itself. */
  UNVERIFIED_HEADER: 610,
  /** Watch rule: the reading is older than one the rule already acted on, or older than its maxAge. */
  STALE_READING: 611,
  /** Watch rule: not a READINGS transaction of the rule's source device, or signed by a key that is not its. */
  WRONG_SOURCE: 612,
  /** Watch rule: the transaction holds no reading of the rule's quantity. */
  NO_READING: 613,
  /** A request (STATE_PROOF, §9.4) was not sent (offline, too many open) or got no response within the request timeout. */
  NO_ANSWER: 620,
  INTERNAL: 699,

  /** DEPLOY of a source whose code hash is deployed already. */
  CONTRACT_EXISTS: 710,
  /** Deployed contract: the call's computation passed its gas limit. */
  CONTRACT_OUT_OF_GAS: 720,
  /** Deployed contract: the call allocated more than its memory budget. */
  CONTRACT_OUT_OF_MEMORY: 721,
  /** Deployed contract: the method or query threw, or returned something that is not contract data. */
  CONTRACT_THREW: 722,
  /** Deployed contract: the call touched a non-deterministic power (clock, randomness). */
  CONTRACT_FORBIDDEN: 723,
  /** Deploy: the source does not compile, or does not evaluate to the contract shape. */
  BAD_CONTRACT: 724,
  /** No contract deployed under that hash. */
  UNKNOWN_CONTRACT: 725,
  /** The contract has no method (or query) of that name. */
  UNKNOWN_METHOD: 726,
  /** Arguments, a key or a value that are not contract data or exceed its limits. */
  BAD_CONTRACT_VALUE: 727,

  /** Supply chain (docs/protocol.md §13.1): no item registered under that id. */
  UNKNOWN_ITEM: 730,
  /** Supply chain: the sender does not hold the item (only its current holder transfers it or changes its travellers). */
  NOT_HOLDER: 731,
  /** Supply chain: an item with that id is registered already. */
  ITEM_EXISTS: 732,
  /** Supply chain: a travelling device that is not an active enrolled device, attached twice, not attached (detach), or too many. */
  BAD_TRAVELLER: 733,
  /** Transport credits (§13.2): the sender's balance is below the price or amount. */
  INSUFFICIENT_CREDITS: 734,
  /** Transport credits: no observation published under that hash. */
  UNKNOWN_OBSERVATION: 735,
  /** Transport credits: an observation with that hash is published already, or the buyer bought it already. */
  OBSERVATION_EXISTS: 736,
  /** Use-case contracts: the account named (new holder, recipient) is not an active account. */
  UNKNOWN_ACCOUNT: 737,
  /** Use-case contracts: INVOKE arguments of the wrong number, type or range for the method. */
  BAD_ARGS: 738,
  /** Provenance verifier (§13.1.4): the answer does not fit the item's proven steps (count, order, heights, a reading outside its leg or of no traveller). */
  BAD_PROVENANCE: 739,
} as const);

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const namesByCode: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(ErrorCode).map(([name, code]) => [code, name])),
);

/** The symbolic name of a code, or "UNKNOWN_<n>" for a number not in the table. */
export function errorName(code: number): string {
  return namesByCode[code] ?? `UNKNOWN_${code}`;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'number' && namesByCode[code] !== undefined;
}
