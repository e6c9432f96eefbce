// The public surface of the botpeer core (core layer): pure, platform-neutral,
// the same on Node and on XS. The light peer has its own entry point, src/peer/index.ts.
//
// Folders import one way, each only the ones before it (test/layers.test.ts checks it):
//
//   errors → codec → crypto → tx → ports → merkle → chain → contracts → light → mqtt → rules → peer
//
// codec: CBOR (cbor-x, pinned), its head rules and shape readers; crypto: the provider
// port and tagged hashes; tx: transactions; ports: what a host passes in (clock, log,
// random, storage, sensor, transport); merkle: trees and proofs; chain: genesis, headers,
// commits, checkpoints; contracts: ledger state, system contracts, block building; light:
// the light-client verifiers; mqtt: topics, wire messages and the MQTT client; rules: watch
// rules, acting on another device's proven reading; peer: the light peer, above everything
// and imported by nothing in the core.

export * from './errors/error-codes.js';
export * from './errors/bot-error.js';
export * from './codec/bytes.js';
export * from './codec/limits.js';
export * from './codec/cbor.js';
export * from './codec/cbor-head.js';
export * from './crypto/crypto-port.js';
export * from './crypto/domain.js';
export * from './crypto/hash.js';
export * from './crypto/x-only.js';
export * from './crypto/noble-crypto.js';
export * from './tx/identity.js';
export * from './tx/kinds.js';
export * from './tx/bodies.js';
export * from './tx/tx.js';
export * from './tx/enroll-request.js';
export * from './tx/self-enroll.js';
export * from './tx/govern.js';
export * from './chain/validator-set.js';
export * from './chain/genesis.js';
export * from './chain/header.js';
export * from './chain/commit.js';
export * from './chain/checkpoint.js';
export * from './chain/cut.js';
export * from './chain/vote.js';
export * from './merkle/merkle.js';
export * from './merkle/proof.js';
export * from './merkle/sparse-merkle-hash.js';
export * from './merkle/sparse-merkle-store.js';
export * from './merkle/sparse-merkle-tree.js';
export * from './merkle/sparse-merkle-proof.js';
export * from './merkle/smt-pruning.js';
export * from './light/trust.js';
export * from './light/verify-header.js';
export * from './light/verify-checkpoint.js';
export * from './mqtt/topics.js';
export * from './mqtt/messages.js';
export * from './mqtt/ack-message.js';
export * from './mqtt/proof-message.js';
export * from './mqtt/connect-auth.js';
export * from './mqtt/readings-answer.js';
export * from './mqtt/state-answer.js';
export * from './light/verify-inclusion.js';
export * from './light/verify-balance.js';
export * from './light/provenance-answer.js';
export * from './light/verify-provenance.js';
export * from './light/verify-state-answer.js';
export * from './contracts/contract.js';
export * from './contracts/contract-registry.js';
export * from './contracts/registered.js';
export * from './contracts/device-registry/device-registry.js';
export * from './contracts/blocklist/blocklist.js';
export * from './contracts/governance/governance.js';
export * from './contracts/deployed/deployed.js';
export * from './contracts/supply-chain/supply-chain.js';
export * from './contracts/transport-credits/transport-credits.js';
export * from './contracts/ledger-state.js';
export * from './contracts/system-contracts.js';
export * from './contracts/block-builder.js';
export * from './light/verify-commit.js';
export * from './light/verify-past-header.js';
export * from './mqtt/session.js';
export * from './ports/index.js';
export * from './rules/index.js';
