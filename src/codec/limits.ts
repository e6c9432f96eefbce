// Bounds applied to untrusted CBOR before anything is allocated (core layer).
// Numbers are sized for the largest legitimate message of each kind, so that an
// attacker can never make a peer allocate more than a few KB per message.

export interface DecodeLimits {
  /** Total encoded size in bytes. */
  readonly maxBytes: number;
  /** Nesting depth; the top-level item is depth 1. */
  readonly maxDepth: number;
  /** Total number of data items, at every level. */
  readonly maxItems: number;
  /** Length of any one array. */
  readonly maxArrayLength: number;
  /** Length of any one byte string. */
  readonly maxByteStringLength: number;
}

/** A transaction: a 256-reading batch of up to 8 series, or an invoke with small nested arguments. */
export const TX_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 4096,
  maxDepth: 6,
  maxItems: 1024,
  maxArrayLength: 256,
  maxByteStringLength: 256,
});

/** A light block (header + commit of up to 64 validators) or a checkpoint, plus a validator set. */
export const HEADER_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 8192,
  maxDepth: 5,
  maxItems: 512,
  maxArrayLength: 64,
  maxByteStringLength: 64,
});

/** An inclusion proof (trees up to 2^32 leaves) or a small control message (ack, request). */
export const SMALL_LIMITS: DecodeLimits = Object.freeze({
  maxBytes: 2048,
  maxDepth: 4,
  maxItems: 128,
  maxArrayLength: 64,
  maxByteStringLength: 64,
});
