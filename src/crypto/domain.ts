// Domain-separation tags (core layer). Every signature, and every hash that
// names a structure, is taken over TAG || payload, so bytes signed for one
// purpose are never valid for another. (Transaction ids hash the signed wire
// bytes as they are; Merkle hashes use RFC 6962's 0x00/0x01 prefixes.)
// The tags are ASCII; docs/protocol.md lists them with their hex.

import { ascii } from '../codec/bytes.js';

export const DomainTag = Object.freeze({
  TX: ascii('botpeer/tx/v1'),
  DEVICE_ID: ascii('botpeer/id/v1'),
  ENROLL_REQUEST: ascii('botpeer/enroll-request/v1'),
  GENESIS: ascii('botpeer/genesis/v1'),
  HEADER: ascii('botpeer/header/v1'),
  COMMIT: ascii('botpeer/commit/v1'),
  VALIDATORS: ascii('botpeer/validators/v1'),
  CHECKPOINT: ascii('botpeer/checkpoint/v1'),
  CONNECT: ascii('botpeer/connect/v1'),
  /** Self-enrolment proof of work on a public chain (src/tx/self-enroll.ts). */
  POW: ascii('botpeer/pow/v1'),
  CUT: ascii('botpeer/cut/v1'),
  GOVERN: ascii('botpeer/govern/v1'),
  /** A consortium member's FROST signing messages on the vote stream (docs/protocol.md §12.3.1). */
  FROST_MESSAGE: ascii('botpeer/frost/v1'),
  /** Members' key-generation messages (tools/gateway/frost-dkg/network-messages.ts), signed by member keys. */
  DKG: ascii('botpeer/dkg/v1'),
  /** The one-time pad that encrypts a key-generation share to its receiver (share-encryption.ts). */
  DKG_SHARE: ascii('botpeer/dkg-share/v1'),
  /** Authenticated contract state (src/merkle/sparse-merkle-hash.ts, docs/protocol.md §6.3.3). */
  SMT_KEY: ascii('botpeer/smt-key/v1'),
  SMT_VALUE: ascii('botpeer/smt-value/v1'),
  SMT_LEAF: ascii('botpeer/smt-leaf/v1'),
  SMT_NODE: ascii('botpeer/smt-node/v1'),
  SMT_EMPTY: ascii('botpeer/smt-empty/v1'),
} as const);

export type DomainTag = (typeof DomainTag)[keyof typeof DomainTag];
