// Vectors of state proofs to devices (tools layer): docs/protocol.md §9.4 method 7 (STATE_PROOF)
// and §6.3.1. The request bytes, honest responses ("device enrolled": membership in the registry,
// "device not blocked": non-membership in the blocklist, "device blocked": membership), and forged
// ones with the code verifyStateAnswer (or the answer's decoder) refuses them with, all against
// one header the device "verified" (given as header bytes: §8.3 is light.json's business).
// Written to test/vectors/state-proof.json by generate.ts.

import { type Header, encodeHeader } from '../../src/chain/header.js';
import { validatorSetHash } from '../../src/chain/validator-set.js';
import { ContractId, contractNamespace } from '../../src/contracts/contract-namespace.js';
import { AccountRole, AccountStatus, LedgerState } from '../../src/contracts/ledger-state.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { Method, encodeRequest, encodeResponse } from '../../src/mqtt/messages.js';
import { encodeStateAnswer } from '../../src/mqtt/state-answer.js';
import { BlockReason } from '../../src/tx/kinds.js';
import { keyId } from '../../src/tx/identity.js';
import { type Expect, hex } from '../../test/support/hex-json.js';
import { GENESIS_TIME, makeFixture, testKey } from '../../test/support/chain-fixture.js';

const HEIGHT = 5;

export function stateProofVectors(crypto: CryptoProvider) {
  const f = makeFixture(crypto);
  const device = testKey(crypto, 'state proof device');
  const blockedDevice = testKey(crypto, 'state proof blocked device');
  const stranger = testKey(crypto, 'state proof stranger');
  const id = (k: { publicKey: Uint8Array }) => keyId(crypto, k.publicKey);
  const reporter = id(f.validatorKeys[0]!);
  const registry = contractNamespace(ContractId.REGISTRY);
  const blocklist = contractNamespace(ContractId.BLOCKLIST);

  const state = LedgerState.fromGenesis(crypto, f.genesis);
  const enrol = (s: LedgerState, k: { publicKey: Uint8Array }, at: number) =>
    s.putAccount({ id: id(k), key: k.publicKey, role: AccountRole.DEVICE, status: AccountStatus.ACTIVE, lastSeq: 3, enrolledAt: at });
  enrol(state, device, 2);
  enrol(state, blockedDevice, 2);
  state.block({ id: id(blockedDevice), reason: BlockReason.FLOOD, reporter, height: 4 });
  // Another state at the same height (one more device): its proofs are against another root.
  const other = state.clone();
  enrol(other, stranger, 5);

  const header: Header = {
    chainId: f.chainId, height: HEIGHT, time: GENESIS_TIME + HEIGHT * 1000, prevHash: crypto.sha256(Uint8Array.of(4)),
    txRoot: crypto.sha256(new Uint8Array(0)), txCount: 0, stateRoot: state.root(crypto),
    validatorsHash: validatorSetHash(crypto, f.setA), nextValidatorsHash: validatorSetHash(crypto, f.setA),
  };
  const answer = (s: LedgerState, ns: Uint8Array, key: Uint8Array, height = HEIGHT) => ({ height, ...s.prove(crypto, ns, key) });
  const respond = (payloads: Uint8Array[], id = 7) => hex(encodeResponse({ id, code: ErrorCode.OK, payloads }));

  const cases: { name: string; namespace: string; key: string; response: string; expect: Expect }[] = [];
  const add = (name: string, ns: Uint8Array, key: Uint8Array, payloads: Uint8Array[], expect: Expect) =>
    cases.push({ name, namespace: hex(ns), key: hex(key), response: respond(payloads), expect });
  // The registry's and blocklist's values are their leaves (§6.3.1), as prove() reads them from the tree.
  const present = (s: LedgerState, ns: Uint8Array, key: Uint8Array): Expect => ({ ok: true, present: true, value: hex(s.prove(crypto, ns, key).value!) });

  const enrolled = answer(state, registry, id(device));
  add('device enrolled (membership in the registry)', registry, id(device), encodeStateAnswer(enrolled), present(state, registry, id(device)));
  const notBlocked = answer(state, blocklist, id(device));
  add('device not blocked (non-membership in the blocklist)', blocklist, id(device), encodeStateAnswer(notBlocked), { ok: true, present: false });
  add('device blocked (membership in the blocklist)', blocklist, id(blockedDevice), encodeStateAnswer(answer(state, blocklist, id(blockedDevice))), present(state, blocklist, id(blockedDevice)));
  add('stranger not enrolled (non-membership in the registry)', registry, id(stranger), encodeStateAnswer(answer(state, registry, id(stranger))), { ok: true, present: false });

  const bad = (code: number): Expect => ({ ok: false, code });
  const flipped = Uint8Array.from(enrolled.value!);
  flipped[flipped.length - 1]! ^= 1;
  add('forged: a changed value', registry, id(device), encodeStateAnswer({ ...enrolled, value: flipped }), bad(ErrorCode.BAD_PROOF));
  add('forged: a membership proof offered as absence', registry, id(device), encodeStateAnswer({ ...enrolled, value: undefined }), bad(ErrorCode.BAD_PROOF));
  add('forged: "not blocked" answered with another key\'s absence proof', blocklist, id(blockedDevice), encodeStateAnswer(notBlocked), bad(ErrorCode.BAD_PROOF));
  add('forged: "not blocked" answered with another key\'s membership proof', blocklist, id(device), encodeStateAnswer(answer(state, registry, id(device))), bad(ErrorCode.BAD_PROOF));
  // An absence proof ending at EMPTY hashes to another root with a leaf in its place (BAD_PROOF);
  // one ending at another key's leaf (array(5)) is no membership proof's shape at all (PROOF_SHAPE).
  const absentAt = (s: LedgerState, ns: Uint8Array, key: Uint8Array) => answer(s, ns, key);
  // The first of a few made-up ids whose walk ends at another account's leaf.
  let absentId = id(stranger);
  for (let i = 0; i < 64 && !absentAt(state, registry, absentId).proof.other; i++) absentId = crypto.sha256(Uint8Array.of(i)).slice(0, 8);
  const otherLeaf = absentAt(state, registry, absentId);
  add('an id not enrolled, its walk ending at another account\'s leaf (non-membership, array(5))', registry, absentId, encodeStateAnswer(otherLeaf), { ok: true, present: false });
  for (const [what, key, ns, a] of [['the blocklist', id(device), blocklist, notBlocked], ['the registry', absentId, registry, otherLeaf]] as const) {
    const form = a.proof.other ? 'ending at another key\'s leaf' : 'ending at EMPTY';
    add(`forged: an absence proof (${what}, ${form}) offered with a value`, ns, key, encodeStateAnswer({ ...a, value: Uint8Array.of(0) }), bad(a.proof.other ? ErrorCode.PROOF_SHAPE : ErrorCode.BAD_PROOF));
  }
  add('forged: a proof against another state\'s root', registry, id(device), encodeStateAnswer(answer(other, registry, id(device))), bad(ErrorCode.BAD_PROOF));
  add('a height other than the verified header\'s', registry, id(device), encodeStateAnswer({ ...enrolled, height: HEIGHT + 1 }), bad(ErrorCode.UNVERIFIED_HEADER));
  add('three payloads', registry, id(device), [...encodeStateAnswer(enrolled), new Uint8Array(0)], bad(ErrorCode.BAD_SHAPE));
  add('no payload', registry, id(device), [], bad(ErrorCode.BAD_SHAPE));
  add('answer not an array of 2', registry, id(device), [Uint8Array.of(0x81, 0x05)], bad(ErrorCode.BAD_SHAPE));
  add('answer truncated', registry, id(device), [Uint8Array.of(0x82, 0x05)], bad(ErrorCode.MALFORMED_CBOR));
  add('namespace of 33 bytes', new Uint8Array(33), id(device), encodeStateAnswer(enrolled), bad(ErrorCode.BAD_SHAPE));

  return {
    header: hex(encodeHeader(header)),
    stateRoot: hex(header.stateRoot),
    namespaces: { registry: hex(registry), blocklist: hex(blocklist) },
    request: { id: 7, method: Method.STATE_PROOF, namespace: hex(registry), key: hex(id(device)), hex: hex(encodeRequest({ id: 7, method: Method.STATE_PROOF, params: [registry, id(device)] })) },
    cases,
  };
}
