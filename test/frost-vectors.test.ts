// FROST signing (tools/gateway/frost) against the FROST signing BIP draft's vectors
// (test/vectors/frost, from siv2r/bip-frost-signing), error cases and the party they blame included,
// then end to end: 3-of-4 and 5-of-7 signers with trusted-dealer keys produce one BIP340 signature
// that @noble/secp256k1's schnorr.verify accepts under the x-only group key, and a signer sending a
// bad partial signature is named by PartialSigVerify.

import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import * as secp from '@noble/secp256k1';
import test, { type ExecutionContext } from 'ava';
import {
  FrostInputError, InvalidContributionError, type SessionContext, type SignersContext, deterministicSign, getXonlyPubkey,
  nonceAgg, nonceGen, nonceGenInternal, partialSigAgg, partialSigVerify, partialSigVerifyInternal, sign,
  threshPubkeyAndTweak, trustedDealerKeygen,
} from '../tools/gateway/frost/index.js';
import { cbytes, G, mod, mulSecret, scalarFromBytesChecked } from '../tools/gateway/frost/group.js';
import { deriveInterpolatingValue } from '../tools/gateway/frost/signers-context.js';

secp.hashes.sha256 = (m) => sha256(m);

// The vector files are loosely shaped JSON; each test reads the fields its case kind has.
type J = any;
const load = (name: string): J => JSON.parse(readFileSync(new URL(`./vectors/frost/${name}_vectors.json`, import.meta.url), 'utf8'));
const unhex = (h: string): Uint8Array => secp.etc.hexToBytes(h);
const hex = (b: Uint8Array): string => secp.etc.bytesToHex(b).toUpperCase();
const unhexAll = (hs: string[]): Uint8Array[] => hs.map(unhex);
const pick = <T>(list: T[], indices: number[]): T[] => indices.map((i) => list[i]!);

type DraftError = { type: 'ValueError'; message: string } | { type: 'InvalidContributionError'; signer_index: number | null; contrib?: string };

/** The call fails as the draft says: the same message, or the same blamed party and contribution. */
function expectDraftError(t: ExecutionContext, run: () => unknown, error: DraftError, label: string): void {
  try {
    run();
  } catch (caught) {
    if (error.type === 'ValueError') {
      t.true(caught instanceof FrostInputError, `${label}: ${String(caught)}`);
      t.is((caught as Error).message, error.message, label);
    } else {
      t.true(caught instanceof InvalidContributionError, `${label}: ${String(caught)}`);
      t.is((caught as InvalidContributionError).signerIndex, error.signer_index, `${label}: blamed party`);
      if (error.contrib !== undefined) t.is((caught as InvalidContributionError).contrib as string, error.contrib, label);
    }
    return;
  }
  t.fail(`${label}: no error`);
}

function signersOf(group: J, tc: J, pubshares: Uint8Array[]): SignersContext {
  return { n: group.n, t: group.t, ids: tc.ids, pubshares: pick(pubshares, tc.pubshare_indices), threshPk: unhex(group.thresh_pk) };
}

test('nonce_gen_vectors: NonceGen with the given rand\'', (t) => {
  const { valid_tests: cases } = load('nonce_gen');
  const maybe = (v: string | null) => (v === null ? undefined : unhex(v));
  for (const c of cases) {
    const { secnonce, pubnonce } = nonceGenInternal(unhex(c.rand_), {
      secshare: maybe(c.secshare), pubshare: maybe(c.pubshare), threshPk: maybe(c.thresh_pk), msg: maybe(c.msg), extraIn: maybe(c.extra_in),
    });
    t.is(hex(secnonce), c.expected[0], `tc ${c.tc_id}`);
    t.is(hex(pubnonce), c.expected[1], `tc ${c.tc_id}`);
  }
  t.is(cases.length, 5);
});

test('nonce_agg_vectors: NonceAgg, a bad pubnonce blames its signer', (t) => {
  const v = load('nonce_agg');
  const pubnonces = unhexAll(v.pubnonces);
  for (const c of v.valid_tests) t.is(hex(nonceAgg(pick(pubnonces, c.pubnonce_indices))), c.expected, `tc ${c.tc_id}`);
  for (const c of v.error_tests) expectDraftError(t, () => nonceAgg(pick(pubnonces, c.pubnonce_indices)), c.error, `tc ${c.tc_id} ${c.comment}`);
  t.is(v.valid_tests.length + v.error_tests.length, 5);
});

test('sign_verify_vectors: Sign, PartialSigVerify and their failures', (t) => {
  let count = 0;
  for (const group of load('sign_verify').test_groups) {
    const pubshares = unhexAll(group.pubshares);
    const pubnonces = unhexAll(group.pubnonces);
    const secshares = unhexAll(group.secshares);
    const secnonces = unhexAll(group.secnonces);
    // As the draft's test: the first n shares belong to the group (later entries are deliberately bad).
    for (let i = 0; i < group.n; i++) t.is(hex(cbytes(mulSecret(G, scalarFromBytesChecked(secshares[i]!)!))), hex(pubshares[i]!));
    for (const c of group.valid_tests) {
      const signersCtx = signersOf(group, c, pubshares);
      const tcPubnonces = pick(pubnonces, c.pubnonce_indices);
      t.is(hex(nonceAgg(tcPubnonces)), c.aggnonce);
      const msg = unhex(c.msg);
      const session: SessionContext = { signersCtx, aggnonce: unhex(c.aggnonce), tweaks: [], isXonly: [], msg };
      // A copy: Sign zeroes the secnonce it is given (the vectors reuse secnonces across cases).
      const secnonce = Uint8Array.from(secnonces[c.secnonce_index]!);
      t.is(hex(sign(secnonce, secshares[c.secshare_index]!, c.my_id, session)), c.expected, `tc ${c.tc_id}`);
      t.true(secnonce.every((b) => b === 0), 'secnonce zeroed');
      t.true(partialSigVerify(unhex(c.expected), tcPubnonces, signersCtx, [], [], msg, c.ids.indexOf(c.my_id)), `tc ${c.tc_id}`);
      count++;
    }
    for (const c of group.sign_error_tests) {
      const session: SessionContext = { signersCtx: signersOf(group, c, pubshares), aggnonce: unhex(c.aggnonce), tweaks: [], isXonly: [], msg: unhex(c.msg) };
      const secnonce = Uint8Array.from(secnonces[c.secnonce_index]!);
      expectDraftError(t, () => sign(secnonce, secshares[c.secshare_index]!, c.my_id, session), c.error, `tc ${c.tc_id} ${c.comment}`);
      count++;
    }
    for (const c of group.verify_fail_tests) {
      t.false(partialSigVerify(unhex(c.psig), pick(pubnonces, c.pubnonce_indices), signersOf(group, c, pubshares), [], [], unhex(c.msg), c.signer_index),
        `tc ${c.tc_id} ${c.comment}`);
      count++;
    }
    for (const c of group.verify_error_tests) {
      expectDraftError(t, () => partialSigVerify(unhex(c.psig), pick(pubnonces, c.pubnonce_indices), signersOf(group, c, pubshares), [], [], unhex(c.msg),
        c.signer_index), c.error, `tc ${c.tc_id} ${c.comment}`);
      count++;
    }
  }
  t.log(`sign_verify cases: ${count}`);
  t.is(count, 93);
});

test('tweak_vectors: signing under tweaks, and bad tweaks refused', (t) => {
  let count = 0;
  for (const group of load('tweak').test_groups) {
    const pubshares = unhexAll(group.pubshares);
    const pubnonces = unhexAll(group.pubnonces);
    const secshares = unhexAll(group.secshares);
    const secnonces = unhexAll(group.secnonces);
    const tweaks = unhexAll(group.tweaks);
    for (const c of group.valid_tests) {
      const signersCtx = signersOf(group, c, pubshares);
      const tcPubnonces = pick(pubnonces, c.pubnonce_indices);
      t.is(hex(nonceAgg(tcPubnonces)), c.aggnonce);
      const msg = unhex(c.msg);
      const tcTweaks = pick(tweaks, c.tweak_indices);
      const session: SessionContext = { signersCtx, aggnonce: unhex(c.aggnonce), tweaks: tcTweaks, isXonly: c.is_xonly, msg };
      const psig = sign(Uint8Array.from(secnonces[c.secnonce_index]!), secshares[c.secshare_index]!, c.my_id, session);
      t.is(hex(psig), c.expected, `tc ${c.tc_id}`);
      t.true(partialSigVerify(psig, tcPubnonces, signersCtx, tcTweaks, c.is_xonly, msg, c.ids.indexOf(c.my_id)), `tc ${c.tc_id}`);
      count++;
    }
    for (const c of group.error_tests) {
      const session: SessionContext = {
        signersCtx: signersOf(group, c, pubshares), aggnonce: unhex(c.aggnonce), tweaks: pick(tweaks, c.tweak_indices), isXonly: c.is_xonly, msg: unhex(c.msg),
      };
      expectDraftError(t, () => sign(Uint8Array.from(secnonces[c.secnonce_index]!), secshares[c.secshare_index]!, c.my_id, session), c.error,
        `tc ${c.tc_id} ${c.comment}`);
      count++;
    }
  }
  t.log(`tweak cases: ${count}`);
  t.is(count, 44);
});

test('det_sign_vectors: DeterministicSign, a bad aggothernonce blames the coordinator', (t) => {
  let count = 0;
  for (const group of load('det_sign').test_groups) {
    const pubshares = unhexAll(group.pubshares);
    const secshares = unhexAll(group.secshares);
    const input = (c: J) => ({
      secshare: secshares[c.secshare_index]!, myId: c.my_id, aggothernonce: c.aggothernonce === null ? undefined : unhex(c.aggothernonce),
      signersCtx: signersOf(group, c, pubshares), tweaks: unhexAll(c.tweaks), isXonly: c.is_xonly, msg: unhex(c.msg),
      rand: c.rand === null ? undefined : unhex(c.rand),
    });
    for (const c of group.valid_tests) {
      const args = input(c);
      const { pubnonce, psig } = deterministicSign(args);
      t.is(hex(pubnonce), c.expected[0], `tc ${c.tc_id}`);
      t.is(hex(psig), c.expected[1], `tc ${c.tc_id}`);
      const aggnonce = args.aggothernonce === undefined ? pubnonce : nonceAgg([pubnonce, args.aggothernonce]);
      const session: SessionContext = { signersCtx: args.signersCtx, aggnonce, tweaks: args.tweaks, isXonly: args.isXonly, msg: args.msg };
      t.true(partialSigVerifyInternal(psig, c.my_id, pubnonce, args.signersCtx.pubshares[c.ids.indexOf(c.my_id)]!, session), `tc ${c.tc_id}`);
      count++;
    }
    for (const c of group.error_tests) {
      expectDraftError(t, () => deterministicSign(input(c)), c.error, `tc ${c.tc_id} ${c.comment}`);
      count++;
    }
  }
  t.log(`det_sign cases: ${count}`);
  t.is(count, 81);
});

test('sig_agg_vectors: PartialSigAgg gives a BIP340 signature noble accepts; a bad psig blames its signer', (t) => {
  let count = 0;
  for (const group of load('sig_agg').test_groups) {
    const pubshares = unhexAll(group.pubshares);
    const tweaks = unhexAll(group.tweaks);
    for (const c of [...group.valid_tests, ...group.error_tests]) {
      const tcTweaks = pick(tweaks, c.tweak_indices);
      const msg = unhex(c.msg);
      const session: SessionContext = { signersCtx: signersOf(group, c, pubshares), aggnonce: unhex(c.aggnonce), tweaks: tcTweaks, isXonly: c.is_xonly, msg };
      const psigs = unhexAll(c.psigs);
      if (c.error !== undefined) {
        expectDraftError(t, () => partialSigAgg(psigs, session), c.error, `tc ${c.tc_id} ${c.comment}`);
      } else {
        const sig = partialSigAgg(psigs, session);
        t.is(hex(sig), c.expected, `tc ${c.tc_id}`);
        t.true(secp.schnorr.verify(sig, msg, getXonlyPubkey(threshPubkeyAndTweak(unhex(group.thresh_pk), tcTweaks, c.is_xonly))), `tc ${c.tc_id}`);
      }
      count++;
    }
  }
  t.log(`sig_agg cases: ${count}`);
  t.is(count, 22);
});

interface Round {
  readonly signersCtx: SignersContext;
  readonly pubnonces: Uint8Array[];
  readonly session: SessionContext;
  readonly psigs: Uint8Array[];
  readonly groupKey: Uint8Array;
}

/** One signing session among the members at `signers` (identifiers), a t-of-n dealt key. */
function signRound(n: number, threshold: number, signers: number[], msg: Uint8Array, seed: number): Round {
  const dealt = trustedDealerKeygen(sha256(Uint8Array.of(seed, n, threshold)), n, threshold);
  const signersCtx: SignersContext = { n, t: threshold, ids: signers, pubshares: signers.map((id) => dealt.pubshares[id]!), threshPk: dealt.threshPk };
  const groupKey = getXonlyPubkey(threshPubkeyAndTweak(dealt.threshPk, [], []));
  // Round one: each member draws its nonces (session arguments as defense in depth).
  const nonces = signers.map((id) => nonceGen({ secshare: dealt.secshares[id]!, pubshare: dealt.pubshares[id]!, threshPk: groupKey, msg, extraIn: Uint8Array.of(seed) }));
  const pubnonces = nonces.map((x) => x.pubnonce);
  const session: SessionContext = { signersCtx, aggnonce: nonceAgg(pubnonces), tweaks: [], isXonly: [], msg };
  // Round two: each signs with its secnonce, once.
  const psigs = signers.map((id, i) => sign(nonces[i]!.secnonce, dealt.secshares[id]!, id, session));
  return { signersCtx, pubnonces, session, psigs, groupKey };
}

for (const [n, threshold, signers] of [[4, 3, [0, 2, 3]], [4, 3, [0, 1, 2, 3]], [7, 5, [6, 0, 3, 1, 4]], [7, 5, [1, 2, 3, 4, 5, 6]]] as const) {
  test(`${threshold}-of-${n}: signers ${signers.join(',')} produce one BIP340 signature schnorr.verify accepts`, (t) => {
    const msg = sha256(new TextEncoder().encode(`header ${n} ${signers.join()}`));
    const round = signRound(n, threshold, [...signers], msg, n * 10 + signers.length);
    round.psigs.forEach((psig, i) => t.true(partialSigVerify(psig, round.pubnonces, round.signersCtx, [], [], msg, i), `signer index ${i}`));
    const sig = partialSigAgg(round.psigs, round.session);
    t.is(sig.length, 64);
    t.true(secp.schnorr.verify(sig, msg, round.groupKey));
    t.false(secp.schnorr.verify(sig, sha256(msg), round.groupKey), 'another message');
    const forged = Uint8Array.from(sig);
    forged[63]! ^= 1;
    t.false(secp.schnorr.verify(forged, msg, round.groupKey), 'a changed signature');
  });
}

test('fewer than t signers is refused before any nonce is used', (t) => {
  const dealt = trustedDealerKeygen(sha256(Uint8Array.of(9)), 4, 3);
  const signersCtx: SignersContext = { n: 4, t: 3, ids: [0, 1], pubshares: [dealt.pubshares[0]!, dealt.pubshares[1]!], threshPk: dealt.threshPk };
  const { secnonce, pubnonce } = nonceGen({ secshare: dealt.secshares[0]! });
  const session: SessionContext = { signersCtx, aggnonce: nonceAgg([pubnonce, pubnonce]), tweaks: [], isXonly: [], msg: new Uint8Array(32) };
  expectDraftError(t, () => sign(secnonce, dealt.secshares[0]!, 0, session), { type: 'ValueError', message: 'The number of signers must be between t and n.' }, 'u < t');
  t.false(secnonce.every((b) => b === 0), 'the secnonce is still unused');
});

for (const [n, threshold, signers, bad] of [[4, 3, [0, 1, 3], 2], [7, 5, [0, 2, 3, 5, 6], 3]] as const) {
  test(`${threshold}-of-${n}: a signer sending a bad partial signature is named by PartialSigVerify`, (t) => {
    const msg = sha256(new TextEncoder().encode(`bad share ${n}`));
    const round = signRound(n, threshold, [...signers], msg, 100 + n);
    // Signer at index `bad` sends a partial signature for another message (well formed, wrong).
    const psigs = [...round.psigs];
    const other = signRound(n, threshold, [...signers], sha256(msg), 100 + n);
    psigs[bad] = other.psigs[bad]!;
    const blamed = psigs.flatMap((psig, i) => (partialSigVerify(psig, round.pubnonces, round.signersCtx, [], [], msg, i) ? [] : [i]));
    t.deepEqual(blamed, [bad]);
    t.is(round.signersCtx.ids[blamed[0]!] as number, signers[bad]!, 'the blamed identifier');
    // Aggregating without checking gives a signature the group key does not verify.
    t.false(secp.schnorr.verify(partialSigAgg(psigs, round.session), msg, round.groupKey));
    // A partial signature that is not even a scalar is blamed by PartialSigAgg itself.
    psigs[bad] = new Uint8Array(32).fill(0xff);
    expectDraftError(t, () => partialSigAgg(psigs, round.session), { type: 'InvalidContributionError', signer_index: bad, contrib: 'psig' }, 'psig ≥ ord');
  });
}

test('a secnonce signs once: Sign zeroes it and refuses it the second time', (t) => {
  const msg = new Uint8Array(32).fill(7);
  const dealt = trustedDealerKeygen(sha256(Uint8Array.of(1)), 4, 3);
  const ids = [0, 1, 2];
  const signersCtx: SignersContext = { n: 4, t: 3, ids, pubshares: ids.map((id) => dealt.pubshares[id]!), threshPk: dealt.threshPk };
  const nonces = ids.map((id) => nonceGen({ secshare: dealt.secshares[id]!, msg }));
  const session: SessionContext = { signersCtx, aggnonce: nonceAgg(nonces.map((x) => x.pubnonce)), tweaks: [], isXonly: [], msg };
  sign(nonces[0]!.secnonce, dealt.secshares[0]!, 0, session);
  expectDraftError(t, () => sign(nonces[0]!.secnonce, dealt.secshares[0]!, 0, session), { type: 'ValueError', message: 'first secnonce value is out of range.' }, 'reuse');
  t.notDeepEqual(nonceGen({ secshare: dealt.secshares[0]!, msg }).pubnonce, nonces[0]!.pubnonce, 'fresh rand\' each call');
});

test('zero-based identifiers interpolate the RFC 9591 dealer shares the draft\'s dealer test uses', (t) => {
  // From siv2r/bip-frost-signing python/trusted_dealer.py (RFC draft-irtf-cfrg-frost-15 §F.5): shares at x = 1, 2, 3 are ids 0, 1, 2.
  const secret = 0x0D004150D27C3BF2A42F312683D35FAC7394B1E9E318249C1BFE7F0795A83114n;
  const shares = [
    0x08F89FFE80AC94DCB920C26F3F46140BFC7F95B493F8310F5FC1EA2B01F4254Cn,
    0x04F0FEAC2EDCEDC6CE1253B7FAB8C86B856A797F44D83D82A385554E6E401984n,
    0x00E95D59DD0D46B0E303E500B62B7CCB0E555D49F5B849F5E748C071DA8C0DBCn,
  ];
  for (const ids of [[0, 1], [1, 2], [0, 2], [2, 0], [0, 1, 2]]) {
    const combined = ids.reduce((acc, id) => mod(acc + shares[id]! * deriveInterpolatingValue(ids, id)), 0n);
    t.is(combined, secret, `ids ${ids.join(',')}`);
  }
  // The dealer's shares of a t-of-n key recombine the same way (any t of them).
  const threshSk = sha256(Uint8Array.of(42));
  const dealt = trustedDealerKeygen(threshSk, 5, 3);
  const ids = [4, 1, 3];
  const combined = ids.reduce((acc, id) => mod(acc + scalarFromBytesChecked(dealt.secshares[id]!)! * deriveInterpolatingValue(ids, id)), 0n);
  t.is(combined, mod(scalarFromBytesChecked(threshSk)!));
});
