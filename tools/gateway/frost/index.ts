// FROST threshold Schnorr signing (tools layer, Node side): the signing protocol of the FROST
// signing BIP draft for BIP340-compatible threshold signatures (siv2r/bip-frost-signing, BIP0445
// tags), one file per algorithm. Members sign with it; a device verifies the result as a plain
// BIP340 signature under the x-only group key. The consortium's members use it in
// tools/gateway/consortium/frost-signing.ts.

export { CONTRIBUTION_KINDS, type ContributionKind, FrostInputError, InvalidContributionError } from './errors.js';
export { type SignersContext, deriveInterpolatingValue, deriveThreshPubkey, validateSignersCtx } from './signers-context.js';
export { type TweakContext, applyTweak, getPlainPubkey, getXonlyPubkey, threshPubkeyAndTweak, tweakCtxInit } from './tweak-context.js';
export { type NonceGenInput, type Nonces, nonceGen, nonceGenInternal } from './nonce-gen.js';
export { nonceAgg } from './nonce-agg.js';
export { type SessionContext, type SessionValues, getSessionValues, serializeIds } from './session-context.js';
export { sign } from './sign.js';
export { partialSigVerify, partialSigVerifyInternal } from './partial-sig-verify.js';
export { SIGNATURE_BYTES, partialSigAgg } from './partial-sig-agg.js';
export { type DeterministicSignInput, deterministicSign } from './deterministic-sign.js';
export { type DealtKeys, trustedDealerKeygen } from './trusted-dealer.js';
