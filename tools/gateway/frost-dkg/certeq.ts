// CertEq, the ChillDKG draft's equality check (tools layer, gateway/frost-dkg), after
// BlockstreamResearch/bip-frost-dkg README "Equality Check Protocol CertEq" and
// python/chilldkg_ref/chilldkg.py (certeq_message, certeq_participant_step, certeq_verify): each
// participant signs x with its host key (plain BIP-340) over
//   "BIP DKG/certeq message" zero-padded to 33 bytes || id (u32be) || x,
// the certificate is the n signatures in id order, and a participant uses its keys only once the
// certificate verifies. An invalid signature names its signer. botpeer's x is SimplPedPop's
// eq_input followed by the members' 33-byte host public keys (ChillDKG's x also carries
// EncPedPop's public nonces, which botpeer does not have), so the same certificate is not
// interchangeable with ChillDKG's.

import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import * as secp from '@noble/secp256k1';
import { concatBytes, u32be } from './group.js';

export const CERTEQ_SIG_BYTES = 64;

let hashesInstalled = false;
// noble-secp256k1 v3 has no sync SHA-256 until one is installed (as src/crypto/noble-crypto.ts does).
function installHashes(): void {
  if (hashesInstalled) return;
  secp.hashes.sha256 = (m) => sha256(m);
  hashesInstalled = true;
}

const PREFIX = (() => {
  const tag = utf8ToBytes('BIP DKG/certeq message');
  const out = new Uint8Array(33);
  out.set(tag);
  return out;
})();

export function certeqMessage(x: Uint8Array, participantId: number): Uint8Array {
  return concatBytes(PREFIX, u32be(participantId), x);
}

export function certeqSign(hostSeckey: Uint8Array, participantId: number, x: Uint8Array, auxRand: Uint8Array): Uint8Array {
  installHashes();
  return secp.schnorr.sign(certeqMessage(x, participantId), hostSeckey, auxRand);
}

/** The id of the first participant whose signature in cert is invalid, or undefined when all verify. */
export function certeqVerify(hostPubkeys: readonly Uint8Array[], x: Uint8Array, cert: Uint8Array): number | undefined {
  installHashes();
  if (cert.length !== CERTEQ_SIG_BYTES * hostPubkeys.length) throw new RangeError('certificate length');
  for (let i = 0; i < hostPubkeys.length; i++) {
    // Dropping the sign byte is safe: x commits to every full host key (as in the draft).
    const ok = secp.schnorr.verify(cert.subarray(i * 64, (i + 1) * 64), certeqMessage(x, i), hostPubkeys[i]!.subarray(1, 33));
    if (!ok) return i;
  }
  return undefined;
}
