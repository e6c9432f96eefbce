// How vectors spell bytes in JSON (test layer, platform-neutral): lowercase hex.

import { bytesToHex, hexToBytes } from '../../src/codec/bytes.js';
import { type ValidatorSet, decodeValidatorSet, encodeValidatorSet } from '../../src/chain/validator-set.js';
import type { TrustedState } from '../../src/light/trust.js';

export const hex = bytesToHex;
export const unhex = hexToBytes;

export interface TrustedStateJson {
  chainId: string;
  height: number;
  time: number;
  headerHash: string;
  validators: string;
  validatorsHash: string;
  nextValidatorsHash: string;
}

export function trustedToJson(s: TrustedState): TrustedStateJson {
  return {
    chainId: hex(s.chainId),
    height: s.height,
    time: s.time,
    headerHash: hex(s.headerHash),
    validators: hex(encodeValidatorSet(s.validators)),
    validatorsHash: hex(s.validatorsHash),
    nextValidatorsHash: hex(s.nextValidatorsHash),
  };
}

export function trustedFromJson(j: TrustedStateJson): TrustedState {
  const validators: ValidatorSet = decodeValidatorSet(unhex(j.validators));
  return {
    chainId: unhex(j.chainId),
    height: j.height,
    time: j.time,
    headerHash: unhex(j.headerHash),
    validators,
    validatorsHash: unhex(j.validatorsHash),
    nextValidatorsHash: unhex(j.nextValidatorsHash),
  };
}

/** Expected outcome of a vector: success (with optional facts to compare) or a specific error code. */
export type Expect = { ok: true; [fact: string]: unknown } | { ok: false; code: number };
