// DeterministicSign of the FROST signing BIP draft (siv2r/bip-frost-signing, "Modifications to
// Nonce Generation > Deterministic and Stateless Signing for a Single Signer") (tools layer, Node
// side): one signer, the last to commit, derives its nonce from its secret share and everything
// else in the session, including the other signers' aggregate nonce (aggothernonce), then signs at
// once. It keeps no secnonce, so nothing to lose or reuse across a crash; only ONE signer per
// session may use it, and only after seeing aggothernonce. A bad aggothernonce blames the coordinator.

import { InvalidContributionError } from './errors.js';
import {
  G, TAG_AUX, TAG_DETERMINISTIC_NONCE, cbytes, concat, intToBytes, mulSecret, scalarFromBytesWrapping,
  scalarToBytes, taggedHash, xorBytes,
} from './group.js';
import { nonceAgg } from './nonce-agg.js';
import { serializeIds } from './session-context.js';
import { type SignersContext, validateSignersCtx } from './signers-context.js';
import { sign } from './sign.js';
import { getXonlyPubkey, threshPubkeyAndTweak } from './tweak-context.js';

export interface DeterministicSignInput {
  readonly secshare: Uint8Array;
  readonly myId: number;
  /** NonceAgg of the other signers' pubnonces; undefined when this signer signs alone (u = 1). */
  readonly aggothernonce: Uint8Array | undefined;
  readonly signersCtx: SignersContext;
  readonly tweaks: readonly Uint8Array[];
  readonly isXonly: readonly boolean[];
  readonly msg: Uint8Array;
  /** Optional 32 bytes of fresh randomness, mixed into the secret share. */
  readonly rand: Uint8Array | undefined;
}

export function deterministicSign(input: DeterministicSignInput): { pubnonce: Uint8Array; psig: Uint8Array } {
  const { secshare, myId, aggothernonce, signersCtx, tweaks, isXonly, msg, rand } = input;
  const secshareP = rand === undefined ? secshare : xorBytes(secshare, taggedHash(TAG_AUX, rand));
  validateSignersCtx(signersCtx);
  const tweakedTpk = getXonlyPubkey(threshPubkeyAndTweak(signersCtx.threshPk, tweaks, isXonly));
  const other = aggothernonce ?? new Uint8Array(0);
  const ids = signersCtx.ids;
  const k = (i: number): bigint => scalarFromBytesWrapping(taggedHash(TAG_DETERMINISTIC_NONCE, secshareP, intToBytes(myId, 4),
    intToBytes(ids.length, 4), serializeIds(ids), other, tweakedTpk, intToBytes(msg.length, 8), msg, Uint8Array.of(i)));
  const k1 = k(0);
  const k2 = k(1);
  if (k1 === 0n || k2 === 0n) throw new Error('DeterministicSign: zero nonce (negligible probability)');
  const pubnonce = concat(cbytes(mulSecret(G, k1)), cbytes(mulSecret(G, k2)));
  const secnonce = concat(scalarToBytes(k1), scalarToBytes(k2));
  let aggnonce: Uint8Array;
  if (aggothernonce === undefined) {
    aggnonce = pubnonce;
  } else {
    try {
      aggnonce = nonceAgg([pubnonce, aggothernonce]);
    } catch (error) {
      // Our own pubnonce is well formed: a failure is the coordinator's aggothernonce.
      if (error instanceof InvalidContributionError) throw new InvalidContributionError(null, 'aggothernonce');
      throw error;
    }
  }
  const psig = sign(secnonce, secshare, myId, { signersCtx, aggnonce, tweaks, isXonly, msg });
  return { pubnonce, psig };
}
