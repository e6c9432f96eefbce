// The Tweak Context of the FROST signing BIP draft (siv2r/bip-frost-signing, "Tweaking the
// Threshold Public Key"): TweakCtxInit, ApplyTweak, GetXonlyPubkey, GetPlainPubkey, and the
// fold over a session's tweaks (tools layer, Node side). Identical to BIP327's KeyAgg Context.
// botpeer signs headers untweaked (no tweaks); tweaks are kept so the draft's vectors run whole.

import type { Point } from '@noble/secp256k1';
import { FrostInputError } from './errors.js';
import { G, cbytes, cpoint, hasEvenY, mod, mulPublic, scalarFromBytesChecked, xbytes } from './group.js';

export interface TweakContext {
  /** The (possibly tweaked) threshold public key. */
  readonly Q: Point;
  /** 1 or ord-1: the accumulated sign flips of x-only tweaks. */
  readonly gacc: bigint;
  /** The accumulated tweak. */
  readonly tacc: bigint;
}

export function tweakCtxInit(threshPk: Uint8Array): TweakContext {
  const Q = cpoint(threshPk);
  if (Q === undefined) throw new FrostInputError('The threshold public key is invalid.');
  return { Q, gacc: 1n, tacc: 0n };
}

export function getXonlyPubkey(ctx: TweakContext): Uint8Array {
  return xbytes(ctx.Q);
}

export function getPlainPubkey(ctx: TweakContext): Uint8Array {
  return cbytes(ctx.Q);
}

export function applyTweak(ctx: TweakContext, tweak: Uint8Array, isXonly: boolean): TweakContext {
  if (tweak.length !== 32) throw new FrostInputError('The tweak must be a 32-byte array.');
  const g = isXonly && !hasEvenY(ctx.Q) ? mod(-1n) : 1n;
  const t = scalarFromBytesChecked(tweak);
  if (t === undefined) throw new FrostInputError('The tweak value is out of range.');
  const Q = mulPublic(ctx.Q, g).add(mulPublic(G, t));
  if (Q.is0()) throw new FrostInputError('The result of tweaking cannot be infinity.');
  return { Q, gacc: mod(g * ctx.gacc), tacc: mod(t + g * ctx.tacc) };
}

/** TweakCtxInit then ApplyTweak for each tweak in turn. */
export function threshPubkeyAndTweak(threshPk: Uint8Array, tweaks: readonly Uint8Array[], isXonly: readonly boolean[]): TweakContext {
  if (tweaks.length !== isXonly.length) throw new FrostInputError('The tweaks and is_xonly arrays must have the same length.');
  let ctx = tweakCtxInit(threshPk);
  tweaks.forEach((tweak, i) => {
    ctx = applyTweak(ctx, tweak, isXonly[i]!);
  });
  return ctx;
}
