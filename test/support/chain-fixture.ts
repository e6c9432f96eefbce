// A deterministic chain for vectors and tests (test layer, platform-neutral):
// keys derived from labels, a genesis with a 3-of-4 validator set, and a block
// builder that can be told to break any one rule.

import * as secp from '@noble/secp256k1';
import { sha256 } from '@noble/hashes/sha2.js';
import { ascii } from '../../src/codec/bytes.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { type Commit, type LightBlock, commitDigest, makeGroupCommit, signCommit } from '../../src/chain/commit.js';
import { type Genesis, Permission, chainIdOf, genesisHash } from '../../src/chain/genesis.js';
import { type Header, headerHash } from '../../src/chain/header.js';
import { type ValidatorSet, makeValidatorSet, validatorSetHash } from '../../src/chain/validator-set.js';
import { type KeyPair, keyPairFromPrivate } from '../../src/tx/identity.js';

/** 2026-01-01T00:00:00Z in ms. */
export const GENESIS_TIME = 1_767_225_600_000;

export function testKey(crypto: CryptoProvider, label: string): KeyPair {
  return keyPairFromPrivate(crypto, crypto.sha256(ascii(`botpeer test key ${label}`)));
}

export interface Fixture {
  readonly crypto: CryptoProvider;
  readonly operator: KeyPair;
  readonly validatorKeys: readonly KeyPair[];
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
  readonly genesisHash: Uint8Array;
  readonly setA: ValidatorSet;
}

/** Validator keys in set order (sorted by public key), so index i signs as validator i. */
export function orderedSigners(set: ValidatorSet, keys: readonly KeyPair[]): KeyPair[] {
  return set.keys.map((pk) => {
    const found = keys.find((k) => k.publicKey.every((b, i) => b === pk[i]));
    if (!found) throw new Error('no private key for validator');
    return found;
  });
}

export function makeFixture(crypto: CryptoProvider, name = 'vectors'): Fixture {
  const operator = testKey(crypto, 'operator');
  const validatorKeys = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'].map((l) => testKey(crypto, l));
  const setA = makeValidatorSet(3, validatorKeys.slice(0, 4).map((k) => k.publicKey));
  const genesis: Genesis = {
    name: ascii(name),
    time: GENESIS_TIME,
    permission: Permission.CONSORTIUM,
    validators: setA,
    operatorKey: operator.publicKey,
  };
  return { crypto, operator, validatorKeys, genesis, chainId: chainIdOf(crypto, genesis), genesisHash: genesisHash(crypto, genesis), setA };
}

/**
 * A stand-in for a FROST group in tests and vectors: one BIP-340 key is a 1-of-1 group, and its
 * signature is exactly what a FROST signing of any threshold would produce (same verification).
 */
export interface TestGroup {
  readonly privateKey: Uint8Array;
  /** x-only BIP-340 public key: a set's groupKey. */
  readonly groupKey: Uint8Array;
}

export function testGroup(crypto: CryptoProvider, label: string): TestGroup {
  const privateKey = crypto.sha256(ascii(`botpeer test group ${label}`));
  installNobleHash();
  return Object.freeze({ privateKey, groupKey: secp.schnorr.getPublicKey(privateKey) });
}

/** A BIP-340 signature (zero aux randomness, so vectors are reproducible) over a 32-byte message. */
export function groupSign(group: TestGroup, message: Uint8Array): Uint8Array {
  installNobleHash();
  return secp.schnorr.sign(message, group.privateKey, new Uint8Array(32));
}

function installNobleHash(): void {
  secp.hashes.sha256 ??= (message: Uint8Array) => sha256(message);
}

export interface BlockSpec {
  height: number;
  time: number;
  prevHash: Uint8Array;
  validators: ValidatorSet;
  nextValidators?: ValidatorSet;
  /** Indices (in `validators`) that sign; default: the first `threshold`. */
  signerIndices?: number[];
  chainId?: Uint8Array;
  txRoot?: Uint8Array;
  txCount?: number;
  includeValidators?: boolean;
  /** Signs one group signature with this key instead of the members' ECDSA signatures (a FROST commit). */
  group?: TestGroup;
  /** Rewrites the commit after signing (to break commit rules). */
  tamperCommit?: (commit: Commit, header: Header) => Commit;
}

export function makeBlock(f: Fixture, spec: BlockSpec): LightBlock {
  const { crypto } = f;
  const header: Header = {
    chainId: spec.chainId ?? f.chainId,
    height: spec.height,
    time: spec.time,
    prevHash: spec.prevHash,
    txRoot: spec.txRoot ?? crypto.sha256(new Uint8Array(0)),
    txCount: spec.txCount ?? 0,
    stateRoot: crypto.sha256(ascii(`state ${spec.height}`)),
    validatorsHash: validatorSetHash(crypto, spec.validators),
    nextValidatorsHash: validatorSetHash(crypto, spec.nextValidators ?? spec.validators),
  };
  const hash = headerHash(crypto, header);
  if (spec.group) {
    let commit = makeGroupCommit(spec.height, hash, groupSign(spec.group, commitDigest(crypto, hash)));
    if (spec.tamperCommit) commit = spec.tamperCommit(commit, header);
    return spec.includeValidators ? { header, commit, validators: spec.validators } : { header, commit };
  }
  const signers = orderedSigners(spec.validators, f.validatorKeys);
  const indices = spec.signerIndices ?? [...Array(spec.validators.threshold).keys()];
  let commit = signCommit(crypto, spec.height, hash, indices.map((index) => ({ index, privateKey: signers[index]!.privateKey })));
  if (spec.tamperCommit) commit = spec.tamperCommit(commit, header);
  return spec.includeValidators ? { header, commit, validators: spec.validators } : { header, commit };
}
