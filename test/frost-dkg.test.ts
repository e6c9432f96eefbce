// FROST key generation with no trusted dealer (tools/gateway/frost-dkg): SimplPedPop among 4 and 7
// members, a member down, a bad share, a bad proof of possession (each detected, named, excluded on
// the re-run), the ChillDKG draft's vectors for the SimplPedPop parts, and a BIP-340 signature under
// the group key made from the shares.

import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import * as secp from '@noble/secp256k1';
import { DkgFaultKind } from '../tools/gateway/frost-dkg/faults.js';
import { G, ORDER, bigintTo32, bytesToBigint, mod, u32be } from '../tools/gateway/frost-dkg/group.js';
import { lagrange, subsets } from './support/frost-interpolation.js';
import { participantMsgLength } from '../tools/gateway/frost-dkg/messages.js';
import { popVerify } from '../tools/gateway/frost-dkg/pop.js';
import { type DkgEntropy, type DkgKeys, type DkgWire, honestWire, runDkg } from '../tools/gateway/frost-dkg/session.js';
import { coordinatorStep } from '../tools/gateway/frost-dkg/simplpedpop.js';
import vectors from './vectors/frost-dkg/coordinator_finalize_vectors.json' with { type: 'json' };

secp.hashes.sha256 = (m) => sha256(m);

/** Deterministic randomness: distinct per member and attempt. */
const entropy: DkgEntropy = (member, attempt) => ({
  seed: sha256(utf8ToBytes(`seed/${member}/${attempt}`)),
  auxRand: sha256(utf8ToBytes(`aux/${member}/${attempt}`)),
});

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `member-${i}`);



/** TEST ONLY: rebuilds the group secret from `ids`' shares — the thing FROST signing never does. */
function combineSecret(keys: DkgKeys, ids: readonly number[]): bigint {
  let s = 0n;
  for (const i of ids) s = mod(s + lagrange(ids, i) * bytesToBigint(keys.outputs.get(keys.members[i]!)!.secshare!));
  return s;
}

/** Everyone agrees, public shares match secret shares, every t-subset interpolates to the key, t−1 do not. */
function checkKeys(t: import('ava').ExecutionContext, keys: DkgKeys, threshold: number): void {
  const n = keys.members.length;
  t.is(keys.outputs.size, n);
  t.is(keys.threshPk.length, 33);
  t.deepEqual(keys.groupKey, keys.threshPk.slice(1));
  keys.members.forEach((m, i) => {
    const out = keys.outputs.get(m)!;
    t.is(bytesToHex(out.threshPk), bytesToHex(keys.threshPk), `${m} has the same threshold key`);
    t.deepEqual(out.pubshares.map(bytesToHex), keys.pubshares.map(bytesToHex), `${m} has the same public shares`);
    t.is(bytesToHex(G.multiply(bytesToBigint(out.secshare!)).toBytes(true)), bytesToHex(keys.pubshares[i]!), `${m}'s share matches its public share`);
  });
  const Q = secp.Point.fromBytes(keys.threshPk);
  for (const ids of subsets(n, threshold)) {
    t.true(G.multiply(combineSecret(keys, ids)).equals(Q), `subset ${ids.join(',')} interpolates to the group key`);
  }
  // The FROST signing draft's ValidateSignersCtx/DeriveThreshPubkey: Σ λ_i·pubshare_i over any t signers is thresh_pk.
  for (const ids of subsets(n, threshold).slice(0, 5)) {
    let q = secp.Point.ZERO;
    for (const i of ids) q = q.add(secp.Point.fromBytes(keys.pubshares[i]!).multiply(lagrange(ids, i)));
    t.is(bytesToHex(q.toBytes(true)), bytesToHex(keys.threshPk), `DeriveThreshPubkey over ${ids.join(',')}`);
  }
  const short = combineSecret(keys, Array.from({ length: threshold - 1 }, (_, i) => i));
  t.false(short !== 0n && G.multiply(short).equals(Q), 't−1 shares do not');
}

/** TEST ONLY: a BIP-340 signature with the Lagrange-combined secret, verified by noble under the x-only group key. */
function checkSignature(t: import('ava').ExecutionContext, keys: DkgKeys, threshold: number): void {
  const ids = Array.from({ length: threshold }, (_, i) => keys.members.length - 1 - i);
  const secret = combineSecret(keys, ids);
  const msg = sha256(utf8ToBytes(`header signed by ${ids.join(',')}`));
  const sig = secp.schnorr.sign(msg, bigintTo32(secret), new Uint8Array(32));
  t.is(sig.length, 64);
  t.true(secp.schnorr.verify(sig, msg, keys.groupKey), 'BIP-340 signature verifies under the group key');
  const forged = sig.slice();
  forged[63] ^= 1;
  t.false(secp.schnorr.verify(forged, msg, keys.groupKey), 'a changed signature does not');
}

const sizes = [
  { n: 4, threshold: 3 },
  { n: 7, threshold: 5 },
] as const;

for (const { n, threshold } of sizes) {
  test(`${threshold}-of-${n}, all honest: one group key, shares interpolate, BIP-340 signature verifies`, (t) => {
    const r = runDkg({ members: names(n), t: threshold, entropy });
    if (!r.ok) return t.fail(r.reason);
    t.is(r.attempts.length, 1);
    t.deepEqual(r.keys.members, names(n));
    checkKeys(t, r.keys, threshold);
    checkSignature(t, r.keys, threshold);
  });

  test(`${threshold}-of-${n}, one member down: named as missing, re-run without it succeeds`, (t) => {
    const down = names(n)[1]!;
    const wire: DkgWire = {
      participantMsg: (_a, from, msg) => (from === down ? undefined : msg),
      share: (_a, from, _to, share) => (from === down ? undefined : share),
    };
    const r = runDkg({ members: names(n), t: threshold, entropy, wire });
    if (!r.ok) return t.fail(r.reason);
    t.is(r.attempts.length, 2);
    t.deepEqual(
      r.attempts[0]!.faults.map((f) => [f.kind, f.culpritName]),
      [[DkgFaultKind.MISSING_MESSAGE, down]],
    );
    t.false(r.keys.members.includes(down));
    t.is(r.keys.members.length, n - 1);
    checkKeys(t, r.keys, threshold);
    checkSignature(t, r.keys, threshold);
  });

  test(`${threshold}-of-${n}, one member sends a bad share: detected by the receiver, sender named and excluded`, (t) => {
    const [, , bad, victim] = names(n) as [string, string, string, string];
    const wire: DkgWire = {
      participantMsg: (_a, _f, msg) => msg,
      share: (_a, from, to, share) => (from === bad && to === victim ? bigintTo32(mod(bytesToBigint(share) + 1n)) : share),
    };
    const r = runDkg({ members: names(n), t: threshold, entropy, wire });
    if (!r.ok) return t.fail(r.reason);
    t.is(r.attempts.length, 2);
    t.deepEqual(
      r.attempts[0]!.faults.map((f) => [f.kind, f.culpritName, f.reporterName]),
      [[DkgFaultKind.BAD_SHARE, bad, victim]],
    );
    t.deepEqual(r.attempts[1]!.members, names(n).filter((m) => m !== bad));
    checkKeys(t, r.keys, threshold);
    checkSignature(t, r.keys, threshold);
  });

  test(`${threshold}-of-${n}, a corrupted proof of possession: named by every other member, excluded`, (t) => {
    const bad = names(n)[0]!;
    const wire: DkgWire = {
      participantMsg: (_a, from, msg) => {
        if (from !== bad) return msg;
        const m = msg.slice();
        m[m.length - 1] ^= 0x01; // last byte of the pop's s
        return m;
      },
      share: honestWire.share,
    };
    const r = runDkg({ members: names(n), t: threshold, entropy, wire });
    if (!r.ok) return t.fail(r.reason);
    const faults = r.attempts[0]!.faults;
    t.is(faults.length, n - 1);
    t.true(faults.every((f) => f.kind === DkgFaultKind.BAD_POP && f.culpritName === bad));
    t.false(r.keys.members.includes(bad));
    checkKeys(t, r.keys, threshold);
  });
}

test('too few members left after exclusions: the session fails and says why', (t) => {
  const down = new Set(['member-0', 'member-3']);
  const wire: DkgWire = {
    participantMsg: (_a, from, msg) => (down.has(from) ? undefined : msg),
    share: (_a, from, _to, share) => (down.has(from) ? undefined : share),
  };
  const r = runDkg({ members: names(4), t: 3, entropy, wire });
  t.false(r.ok);
  if (r.ok) return;
  t.deepEqual(r.attempts[0]!.faults.map((f) => f.culpritName), ['member-0', 'member-3']);
  t.regex(r.reason, /only 2 members left, threshold is 3/);
});

test('a malformed round-1 message is named by the coordinator', (t) => {
  const wire: DkgWire = { participantMsg: (_a, from, msg) => (from === 'member-2' ? msg.slice(1) : msg), share: honestWire.share };
  const r = runDkg({ members: names(4), t: 3, entropy, wire });
  if (!r.ok) return t.fail(r.reason);
  t.deepEqual(r.attempts[0]!.faults.map((f) => [f.kind, f.culpritName]), [[DkgFaultKind.MALFORMED_MESSAGE, 'member-2']]);
});

test('the same randomness gives the same keys (deterministic with injected entropy)', (t) => {
  const a = runDkg({ members: names(4), t: 3, entropy });
  const b = runDkg({ members: names(4), t: 3, entropy });
  if (!a.ok || !b.ok) return t.fail();
  t.is(bytesToHex(a.keys.threshPk), bytesToHex(b.keys.threshPk));
});

// The ChillDKG draft's vectors (test/vectors/frost-dkg/README.md): the SimplPedPop parts.
for (const group of vectors.testGroups) {
  const t0 = group.params.t;
  const n = group.params.hostpubkeys.length;
  test(`ChillDKG vectors (t=${t0}, n=${n}): pops, coordinator message, threshold key and public shares`, (t) => {
    const simpl = group.pmsgs1.map((hex) => hexToBytes(hex).slice(0, participantMsgLength(t0)));
    simpl.forEach((m, i) => {
      const c0x = m.slice(1, 33);
      t.true(popVerify(m.slice(33 * t0), c0x, i), `pop of participant ${i}`);
      t.false(popVerify(m.slice(33 * t0), c0x, (i + 1) % n), `pop of ${i} does not verify as another id`);
    });
    const { cmsg, output } = coordinatorStep(simpl, t0, n);
    t.is(bytesToHex(cmsg), group.cmsg1.toLowerCase().slice(0, 2 * (97 * n + 33 * (t0 - 1))));
    const expected = group.validTestCases[0]!.expectedOutput.dkgOutput;
    t.is(bytesToHex(output.threshPk), expected.threshPk.toLowerCase());
    t.deepEqual(output.pubshares.map(bytesToHex), expected.pubshares.map((p) => p.toLowerCase()));
  });
}

test('both parities of the threshold key occur and both sign (the x-only key is the BIP-340 key either way)', (t) => {
  const parities = new Set<number>();
  for (let k = 0; k < 12 && parities.size < 2; k++) {
    const r = runDkg({ members: names(4), t: 3, entropy: (m, a) => entropy(`${m}#${k}`, a) });
    if (!r.ok) return t.fail(r.reason);
    parities.add(r.keys.threshPk[0]!);
    checkSignature(t, r.keys, 3);
  }
  t.deepEqual([...parities].sort(), [2, 3]);
});

const hostKeys = (member: string) => {
  const seckey = sha256(utf8ToBytes(`host/${member}`));
  return { seckey, pubkey: secp.getPublicKey(seckey, true) };
};

test('CertEq with host keys: an honest run certifies; a bad certificate signature names its signer, re-run without it', (t) => {
  const ok = runDkg({ members: names(4), t: 3, entropy, hostKeys });
  if (!ok.ok) return t.fail(ok.reason);
  checkKeys(t, ok.keys, 3);
  const wire: DkgWire = {
    ...honestWire,
    certSig: (_a, from, sig) => (from === 'member-3' ? sig.map((b, i) => (i === 40 ? b ^ 1 : b)) : sig),
  };
  const r = runDkg({ members: names(4), t: 3, entropy, hostKeys, wire });
  if (!r.ok) return t.fail(r.reason);
  t.deepEqual(r.attempts[0]!.faults.map((f) => [f.kind, f.culpritName]), [[DkgFaultKind.BAD_CERT_SIGNATURE, 'member-3']]);
  t.deepEqual(r.keys.members, ['member-0', 'member-1', 'member-2']);
  checkSignature(t, r.keys, 3);
});

test('pop checks ids as 4-byte big-endian and the order constant is the group order', (t) => {
  t.deepEqual([...u32be(258)], [0, 0, 1, 2]);
  t.is(ORDER, secp.Point.CURVE().n);
});
