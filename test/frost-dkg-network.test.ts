// Key generation among members on separate machines (tools/gateway/frost-dkg/network-dkg.ts), each
// member its own state machine over a broadcast bus: 3-of-4 and 5-of-7 all honest (one group key,
// shares interpolate, a FROST signature verifies as BIP-340), a member down (named missing, re-run
// without it), a bad share (complaint, reveal, dealer excluded), a false complaint (complainer
// excluded), forged and foreign messages ignored, too few left, the §12.5 examples; and 4 members over a real NATS
// cluster (skipped without nats-server, failed under CI).

import test, { type ExecutionContext } from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import * as secp from '@noble/secp256k1';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareBytes } from '../src/codec/bytes.js';
import { encodeCbor } from '../src/codec/cbor.js';
import { createNobleCrypto } from '../src/crypto/noble-crypto.js';
import { ErrorCode } from '../src/errors/error-codes.js';
import { nonceAgg, nonceGen, partialSigAgg, sign, type SessionContext } from '../tools/gateway/frost/index.js';
import { G, bytesToBigint, mod } from '../tools/gateway/frost-dkg/group.js';
import { lagrange, subsets } from './support/frost-interpolation.js';
import {
  type DkgTransport,
  ExclusionReason,
  type NetworkDkgFaults,
  NetworkDkgError,
  NetworkDkgFailure,
  type NetworkDkgResult,
  runNetworkDkg,
} from '../tools/gateway/frost-dkg/network-dkg.js';
import { type DkgMessage, DkgMessageKind, decodeDkgMessage, dkgMessageDigest, encodeDkgMessage } from '../tools/gateway/frost-dkg/network-messages.js';
import { decryptShare, encryptShare, sharePad } from '../tools/gateway/frost-dkg/share-encryption.js';
import { dkgSubject, natsDkgTransport } from '../tools/gateway/consortium/dkg-transport-nats.js';
import { connectNats, type NatsConnection } from '../tools/gateway/consortium/nats-connection.js';
import { NATS_INSTALL_HINT, findNatsServer, startNatsCluster } from '../tools/nats/nats-cluster.js';
import { MemoryDkgBus } from './fakes/memory-dkg-bus.js';

const crypto = createNobleCrypto();
secp.hashes.sha256 = (m) => sha256(m);

interface Member {
  readonly privateKey: Uint8Array;
  readonly key: Uint8Array;
  readonly hex: string;
}

/** n members, sorted by key (so members[i] is FROST identifier i of a full run). */
function makeMembers(n: number, label: string): Member[] {
  return Array.from({ length: n }, (_, i) => {
    const privateKey = sha256(utf8ToBytes(`dkg-network/${label}/${i}`));
    const key = crypto.publicKey(privateKey);
    return { privateKey, key, hex: bytesToHex(key) };
  }).sort((a, b) => compareBytes(a.key, b.key));
}

const SESSION = sha256(utf8ToBytes('botpeer test rekey session'));

interface RunOptions {
  readonly down?: readonly number[];
  readonly faults?: ReadonlyMap<number, NetworkDkgFaults>;
  readonly timeoutMs?: number;
  readonly transport?: (i: number) => DkgTransport;
}

/** Runs every member that is not down, each with its own state machine; settles when all have. */
async function runAll(t: ExecutionContext, members: readonly Member[], threshold: number, bus: MemoryDkgBus, o: RunOptions = {}) {
  const logs: string[] = [];
  const runs = members.map((m, i) =>
    o.down?.includes(i)
      ? undefined
      : runNetworkDkg({
          sessionId: SESSION,
          keys: members.map((x) => x.key).reverse(), // any order: sorted inside
          t: threshold,
          privateKey: m.privateKey,
          transport: o.transport?.(i) ?? bus.transport(),
          timeoutMs: o.timeoutMs ?? 20_000,
          crypto,
          log: (line) => logs.push(line),
          ...(o.faults?.has(i) ? { faults: o.faults.get(i)! } : {}),
        }),
  );
  const settled = await Promise.all(runs.map((p) => (p === undefined ? undefined : p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })))));
  return { settled, logs, fail: (why: string) => t.fail(`${why}\n${logs.join('\n')}`) };
}



interface Keyed {
  readonly member: Member;
  readonly result: NetworkDkgResult;
}

/** Same public output everywhere, shares match public shares, t-subsets interpolate, a FROST signature verifies. */
function checkKeys(t: ExecutionContext, keyed: readonly Keyed[], threshold: number): void {
  const first = keyed[0]!.result;
  const n = first.keys.length;
  t.is(first.t, threshold);
  t.is(first.threshPk.length, 33);
  t.deepEqual(first.groupKey, first.threshPk.slice(1));
  t.deepEqual(first.keys.map(bytesToHex), [...first.keys].sort(compareBytes).map(bytesToHex), 'keys sorted');
  const summary = (r: NetworkDkgResult) => ({
    keys: r.keys.map(bytesToHex), threshPk: bytesToHex(r.threshPk), pubshares: r.pubshares.map(bytesToHex), attempts: r.attempts,
    excluded: r.excluded.map((x) => [bytesToHex(x.key), x.reason, x.attempt]),
  });
  for (const { result } of keyed) t.deepEqual(summary(result), summary(first), 'every member has the same public output');
  t.is(keyed.length, n, 'every member in the keys got them');
  const shareOf = new Map<number, Uint8Array>();
  for (const { member, result } of keyed) {
    const id = result.keys.findIndex((k) => bytesToHex(k) === member.hex);
    t.true(id >= 0, 'a completing member is in the keys');
    t.is(bytesToHex(G.multiply(bytesToBigint(result.secshare)).toBytes(true)), bytesToHex(first.pubshares[id]!), 'secret share matches its public share');
    shareOf.set(id, result.secshare);
  }
  const Q = secp.Point.fromBytes(first.threshPk);
  for (const ids of subsets(n, threshold).slice(0, 8)) {
    let s = 0n;
    for (const i of ids) s = mod(s + lagrange(ids, i) * bytesToBigint(shareOf.get(i)!));
    t.true(G.multiply(s).equals(Q), `shares ${ids.join(',')} interpolate to the group key`);
  }
  // Two-round FROST signing (the signing draft) by the last t identifiers, verified as plain BIP-340.
  const ids = Array.from({ length: threshold }, (_, k) => n - threshold + k);
  const msg = sha256(utf8ToBytes('a header digest'));
  const nonces = ids.map((id) => nonceGen({ secshare: shareOf.get(id)!, pubshare: first.pubshares[id]!, threshPk: first.groupKey, msg }));
  const session: SessionContext = {
    signersCtx: { n, t: threshold, ids, pubshares: ids.map((id) => first.pubshares[id]!), threshPk: first.threshPk },
    aggnonce: nonceAgg(nonces.map((x) => x.pubnonce)),
    tweaks: [],
    isXonly: [],
    msg,
  };
  const psigs = ids.map((id, k) => sign(nonces[k]!.secnonce, shareOf.get(id)!, id, session));
  const signature = partialSigAgg(psigs, session);
  t.true(crypto.verifySchnorr(signature, msg, first.groupKey), 'the FROST signature verifies under the group key (BIP-340)');
  t.true(secp.schnorr.verify(signature, msg, first.groupKey));
  const forged = signature.slice();
  forged[63] ^= 1;
  t.false(crypto.verifySchnorr(forged, msg, first.groupKey));
}

function decoded(bus: MemoryDkgBus): DkgMessage[] {
  return bus.published.flatMap((b) => {
    try {
      return [decodeDkgMessage(crypto, b)];
    } catch {
      return [];
    }
  });
}

type Settled = Awaited<ReturnType<typeof runAll>>['settled'];

/** The members that got keys, with their results. */
const okResults = (settled: Settled, members: readonly Member[]): Keyed[] =>
  settled.flatMap((s, i) => (s?.ok === true ? [{ member: members[i]!, result: s.value }] : []));

function rejection(s: Settled[number]): NetworkDkgError | undefined {
  return s?.ok === false && s.error instanceof NetworkDkgError ? s.error : undefined;
}

const sizes = [
  { n: 4, threshold: 3, down: 0, bad: 0, victim: 2 },
  { n: 7, threshold: 5, down: 3, bad: 5, victim: 1 },
] as const;

for (const { n, threshold, down, bad, victim } of sizes) {
  test(`${threshold}-of-${n}, all honest: one group key, shares interpolate, a FROST signature verifies`, async (t) => {
    const members = makeMembers(n, `honest${n}`);
    const bus = new MemoryDkgBus();
    const { settled, fail } = await runAll(t, members, threshold, bus);
    const results = okResults(settled, members);
    if (results.length !== n) return fail('not every member succeeded');
    t.is(results[0]!.result.attempts, 1);
    t.deepEqual(results[0]!.result.excluded, []);
    t.deepEqual(results[0]!.result.keys.map(bytesToHex), members.map((m) => m.hex));
    checkKeys(t, results, threshold);
    const kinds = decoded(bus).map((m) => m.kind);
    t.is(kinds.filter((k) => k === DkgMessageKind.ROUND1).length >= n, true);
    t.false(kinds.includes(DkgMessageKind.COMPLAINT));
  });

  test(`${threshold}-of-${n}, one member down${down === 0 ? ' (the coordinator)' : ''}: named missing, re-run without it succeeds`, async (t) => {
    const members = makeMembers(n, `down${n}`);
    const bus = new MemoryDkgBus();
    const { settled, fail } = await runAll(t, members, threshold, bus, { down: [down], timeoutMs: 300 });
    const results = okResults(settled, members);
    if (results.length !== n - 1) return fail('not every running member succeeded');
    const r = results[0]!.result;
    t.is(r.attempts, 2);
    t.deepEqual(r.excluded.map((x) => [bytesToHex(x.key), x.reason, x.attempt]), [[members[down]!.hex, ExclusionReason.MISSING, 0]]);
    t.deepEqual(r.keys.map(bytesToHex), members.filter((_, i) => i !== down).map((m) => m.hex));
    checkKeys(t, results, threshold);
    if (down === 0) {
      const coordinators = decoded(bus).filter((m) => m.kind === DkgMessageKind.COORDINATOR);
      t.true(coordinators.every((m) => m.attempt === 1 && bytesToHex(m.from) === members[1]!.hex), 'the coordinator role moved to the next member');
    }
  });

  test(`${threshold}-of-${n}, one member sends a bad share: complaint, reveal, the dealer is named and excluded`, async (t) => {
    const members = makeMembers(n, `bad${n}`);
    const bus = new MemoryDkgBus();
    const faults = new Map([[bad, { badShareTo: [members[victim]!.key] }]]);
    const { settled, fail } = await runAll(t, members, threshold, bus, { faults });
    const results = okResults(settled, members);
    if (results.length !== n - 1) return fail('not every honest member succeeded');
    const r = results[0]!.result;
    t.is(r.attempts, 2);
    t.deepEqual(r.excluded.map((x) => [bytesToHex(x.key), x.reason, x.attempt]), [[members[bad]!.hex, ExclusionReason.BAD_SHARE, 0]]);
    t.regex(r.excluded[0]!.detail, /does not match its commitment/);
    t.false(r.keys.some((k) => bytesToHex(k) === members[bad]!.hex));
    const err = rejection(settled[bad]);
    t.is(err?.failure, NetworkDkgFailure.EXCLUDED, 'the bad dealer learns it was excluded');
    t.is(err?.code, ErrorCode.NOT_A_MEMBER);
    const msgs = decoded(bus).filter((m) => m.attempt === 0);
    const complaint = msgs.find((m) => m.kind === DkgMessageKind.COMPLAINT);
    t.is(complaint && bytesToHex(complaint.from), members[victim]!.hex, 'the receiver complained');
    t.deepEqual(complaint?.kind === DkgMessageKind.COMPLAINT ? complaint.dealers.map(bytesToHex) : [], [members[bad]!.hex]);
    const reveal = msgs.find((m) => m.kind === DkgMessageKind.REVEAL);
    t.is(reveal && bytesToHex(reveal.from), members[bad]!.hex, 'the dealer revealed the share');
    checkKeys(t, results, threshold);
  });

  test(`${threshold}-of-${n}, a false complaint: the dealer reveals a good share, the complainer is excluded`, async (t) => {
    const members = makeMembers(n, `false${n}`);
    const bus = new MemoryDkgBus();
    const liar = victim;
    const faults = new Map([[liar, { falseComplaintAgainst: [members[bad]!.key] }]]);
    const { settled, fail } = await runAll(t, members, threshold, bus, { faults });
    const results = okResults(settled, members);
    if (results.length !== n - 1) return fail('not every honest member succeeded');
    const r = results[0]!.result;
    t.deepEqual(r.excluded.map((x) => [bytesToHex(x.key), x.reason, x.attempt]), [[members[liar]!.hex, ExclusionReason.FALSE_COMPLAINT, 0]]);
    t.true(r.keys.some((k) => bytesToHex(k) === members[bad]!.hex), 'the accused dealer stays');
    t.is(rejection(settled[liar])?.failure, NetworkDkgFailure.EXCLUDED);
    checkKeys(t, results, threshold);
  });
}

test('forged, foreign and malformed messages are ignored; the run is not disturbed', async (t) => {
  const members = makeMembers(4, 'forged');
  const outsider = sha256(utf8ToBytes('not a member'));
  const bus = new MemoryDkgBus();
  let forged = 0;
  // Before each genuine message reaches anyone, the forger publishes variants of it.
  bus.watch((bytes) => {
    if (forged > 200) return;
    let m: DkgMessage;
    try {
      m = decodeDkgMessage(crypto, bytes);
    } catch {
      return;
    }
    const owner = members.find((x) => compareBytes(x.key, m.from) === 0);
    if (owner === undefined || compareBytes(m.sessionId, SESSION) !== 0) return; // forge from genuine messages only
    const variants: Uint8Array[] = [];
    // 1. Same sender, altered content (a different pmsg/cmsg/…), the genuine signature: does not verify.
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 70] ^= 1;
    variants.push(tampered);
    // 2. Signed by an outsider but claiming the member as sender.
    variants.push(encodeDkgMessage(crypto, m, outsider));
    // 3. An outsider's own, well-signed message.
    variants.push(encodeDkgMessage(crypto, { ...m, from: crypto.publicKey(outsider) }, outsider));
    // 4. The member's own signature, but for another session.
    variants.push(encodeDkgMessage(crypto, { ...m, sessionId: sha256(utf8ToBytes('another session')) }, owner.privateKey));
    // 5. Not CBOR / wrong shape / unknown kind.
    variants.push(new Uint8Array([0xff, 0x00, 0x01]), encodeCbor([9, SESSION, 0, m.from, new Uint8Array(64), new Uint8Array(64)]));
    // 6. Unsigned (signature left off).
    variants.push(bytes.subarray(0, bytes.length - 66));
    forged += variants.length;
    for (const v of variants) bus.inject(v);
  });
  const { settled, logs, fail } = await runAll(t, members, 3, bus);
  const results = okResults(settled, members);
  if (results.length !== 4) return fail('not every member succeeded');
  t.true(forged > 20);
  t.is(results[0]!.result.attempts, 1);
  t.deepEqual(results[0]!.result.excluded, []);
  t.true(logs.some((l) => /ignored a message: BAD_SIGNATURE/.test(l)));
  t.true(logs.some((l) => /non-participant/.test(l)));
  checkKeys(t, results, 3);
});

test('too few members left: every running member fails with a typed error saying why', async (t) => {
  const members = makeMembers(4, 'toofew');
  const bus = new MemoryDkgBus();
  const { settled } = await runAll(t, members, 3, bus, { down: [1, 3], timeoutMs: 200 });
  for (const i of [0, 2]) {
    const err = rejection(settled[i]);
    t.is(err?.failure, NetworkDkgFailure.TOO_FEW);
    t.is(err?.code, ErrorCode.BAD_VALIDATOR_SET);
    t.regex(err?.message ?? '', /only 2 participants left, threshold is 3/);
    t.deepEqual(err?.excluded.map((x) => [bytesToHex(x.key), x.reason]), [[members[1]!.hex, 'missing'], [members[3]!.hex, 'missing']]);
  }
  t.is(bus.subscriberCount, 0, 'a failed run unsubscribes');
});

test('a participant silent after round 1 is named missing in round 2; a bad CertEq signature names its signer', async (t) => {
  const members = makeMembers(4, 'later');
  const bus = new MemoryDkgBus();
  const faults = new Map<number, NetworkDkgFaults>([[2, { silent: 'after-round1' }]]);
  const first = await runAll(t, members, 3, bus, { faults, timeoutMs: 300 });
  // The silent member itself holds every CERT but its own, so it may believe it succeeded: only the others count.
  const r = okResults(first.settled, members).filter((k) => k.member !== members[2]);
  if (r.length !== 3) return first.fail('not every honest member succeeded');
  t.deepEqual(r[0]!.result.excluded.map((x) => [bytesToHex(x.key), x.reason, x.detail]), [[members[2]!.hex, 'missing', 'no CERT or COMPLAINT']]);

  const bus2 = new MemoryDkgBus();
  const second = await runAll(t, members, 3, bus2, { faults: new Map([[1, { badCert: true }]]) });
  const r2 = okResults(second.settled, members);
  if (r2.length !== 3) return second.fail('not every honest member succeeded');
  t.deepEqual(r2[0]!.result.excluded.map((x) => [bytesToHex(x.key), x.reason]), [[members[1]!.hex, ExclusionReason.BAD_CERT]]);
  checkKeys(t, r2, 3);
});

test('bad arguments are refused before anything is sent', async (t) => {
  const members = makeMembers(4, 'args');
  const bus = new MemoryDkgBus();
  const base = { sessionId: SESSION, keys: members.map((m) => m.key), t: 3, privateKey: members[0]!.privateKey, transport: bus.transport(), timeoutMs: 1000, crypto };
  await t.throwsAsync(runNetworkDkg({ ...base, t: 5 }), { instanceOf: RangeError });
  await t.throwsAsync(runNetworkDkg({ ...base, privateKey: sha256(utf8ToBytes('stranger')) }), { message: /not among the keys/ });
  await t.throwsAsync(runNetworkDkg({ ...base, keys: [...base.keys, base.keys[0]!] }), { message: /duplicate/ });
  await t.throwsAsync(runNetworkDkg({ ...base, sessionId: new Uint8Array(0) }), { message: /session id/ });
  t.is(bus.published.length, 0);
});

// ---- over a real NATS cluster ----

const ci = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());
const natsAvailable = findNatsServer() !== undefined;
if (!natsAvailable && ci) {
  test('nats-server is installed (required under CI)', (t) => {
    t.fail(`${NATS_INSTALL_HINT} — .ci/run must call tools/brokers/install-brokers.sh before the tests`);
  });
}
const natsTest = natsAvailable ? test.serial : test.skip;

natsTest(`3-of-4 over a 3-node NATS cluster, each member on its own connection and node, core subject ${dkgSubject('ab')}${natsAvailable ? '' : ` (skipped: ${NATS_INSTALL_HINT})`}`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-dkg-nats-'));
  const cluster = await startNatsCluster({ nodes: 3, dir });
  const connections: NatsConnection[] = [];
  try {
    const members = makeMembers(4, 'nats');
    for (let i = 0; i < 4; i++) connections.push(await connectNats([cluster.urls[i % 3]!], `dkg-member-${i}`));
    const chainHex = 'c4'.repeat(16);
    const bus = new MemoryDkgBus(); // unused: each member has a NATS transport
    const { settled, fail } = await runAll(t, members, 3, bus, { transport: (i) => natsDkgTransport(connections[i]!, chainHex), timeoutMs: 15_000 });
    const results = okResults(settled, members);
    if (results.length !== 4) return fail('not every member succeeded over NATS');
    t.is(results[0]!.result.attempts, 1);
    checkKeys(t, results, 3);
  } finally {
    await Promise.all(connections.map((nc) => nc.close().catch(() => {})));
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/protocol.md §12.5 examples: a signed COMPLAINT and a share pad, byte for byte', (t) => {
  const a = new Uint8Array(32).fill(1);
  const e = new Uint8Array(32).fill(3);
  const A = crypto.publicKey(a);
  const B = crypto.publicKey(new Uint8Array(32).fill(2));
  const sessionId = new Uint8Array(32).fill(0x5e);
  const complaint: DkgMessage = { kind: DkgMessageKind.COMPLAINT, sessionId, attempt: 0, from: A, dealers: [B] };
  t.is(bytesToHex(dkgMessageDigest(crypto, complaint)), 'a2f26b5b21405c8267e9c8e28e3ed2b4207aded5d4d4c447aa4a95e62cf7fadc');
  const wire = encodeDkgMessage(crypto, complaint, a);
  t.is(
    bytesToHex(wire),
    '8602' + '5820' + '5e'.repeat(32) + '00' + '5821' + bytesToHex(A) + '81' + '5821' + bytesToHex(B) +
      '5840' + '6948498ec9779a5b9669ccea9e95111eeb20b9f49ef01ab980fe22de03ee7ce83ac24ebf4c3a764fd302dd37177b98037699ece77cf0c7ff56d85dad46268e3b',
  );
  t.deepEqual(decodeDkgMessage(crypto, wire), complaint);
  t.is(bytesToHex(crypto.publicKey(e)), '02531fe6068134503d2723133227c867ac8fa6c83c537e9a44c3c5bdbdcb1fe337');
  const ecdh = secp.getSharedSecret(e, A, true);
  t.is(bytesToHex(ecdh), '038c8ed94f9348a4506397ba0ce957b2fcdd76b67162b21c53eb4f0f0417a2acf3');
  t.deepEqual(ecdh, secp.getSharedSecret(a, crypto.publicKey(e), true), 'the receiver derives the same point');
  const ctx = { sessionId, attempt: 1, from: B, to: A };
  t.is(bytesToHex(sharePad(crypto, ecdh, ctx)), '06400655041c4746ab8857833911ee85ff5aad9e4020872331fc3539a7bc2e72');
  const ct = encryptShare(crypto, new Uint8Array(32).fill(7), e, ctx);
  t.is(bytesToHex(ct), '01470152031b4041ac8f50843e16e982f85daa994727802436fb323ea0bb2975');
  t.deepEqual(decryptShare(crypto, ct, a, crypto.publicKey(e), ctx), new Uint8Array(32).fill(7));
});
