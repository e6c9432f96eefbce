// A FROST member killed with kill -9 mid-signing, on a real 3-node NATS cluster (Debian's
// nats-server, started here; skipped without it): three members in this process, the victim in a
// child process (test/support/member-child.ts). It is killed right after it journaled a fresh
// nonce (tools/gateway/consortium/frost-nonce-journal.ts), restarted on the same folder, and signs
// again; no nonce of it is ever published unjournaled, journaled twice or used in two partials.

import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type TrustedState, applyHeader, bytesToHex, commitDigest, decodeLightBlock, isFrostSet, makeTrustOptions, trustFromGenesis, verifyHeader,
} from '../src/index.js';
import { type MemberProcess, startMemberProcess } from './support/member-process.js';
import { initConsortium } from '../tools/gateway/consortium/consortium-init.js';
import { readFrostKeys } from '../tools/gateway/consortium/frost-keys.js';
import { partialSigVerify } from '../tools/gateway/frost/index.js';
import { FrostKind, type SignedFrostMessage, decodeFrostMessage, isFrostMessage } from '../tools/gateway/consortium/frost-messages.js';
import { NONCE_JOURNAL_FILE, readNonceJournal } from '../tools/gateway/consortium/frost-nonce-journal.js';
import { type Member, startMember } from '../tools/gateway/consortium/member.js';
import { connectNatsOrdering } from '../tools/gateway/consortium/nats-ordering.js';
import { chainSubjects, connectNats, jetstreamManager } from '../tools/gateway/consortium/ordering.js';
import { NATS_INSTALL_HINT, findNatsServer, startNatsCluster } from '../tools/nats/nats-cluster.js';
import { openSqliteStore } from '../tools/gateway/store-sqlite.js';
import type { LedgerStore } from '../tools/gateway/ledger-store.js';
import { expectOk } from './support/consortium-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';
import { crypto } from './support/gateway-fixture.js';

// Heartbeat blocks keep signing going without devices.
const TIMING = { intervalMs: 100, heartbeatMs: 200, takeoverMs: 500, maxBlockTxs: 64 };
/** The victim in a child process (killed at the test's end if still running). */
async function startChild(t: ExecutionContext, dir: string, urls: readonly string[]): Promise<MemberProcess> {
  const member = await startMemberProcess(dir, 0, urls, TIMING, 30_000);
  t.teardown(() => void member.child.kill('SIGKILL'));
  return member;
}

/** Resolves as soon as the journal in `dir` holds more than `seen` records (inotify, not polling). */
function journalGrows(dir: string, seen: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(join(dir, NONCE_JOURNAL_FILE), () => {
      if (readNonceJournal(dir).length <= seen) return;
      clearTimeout(timer);
      watcher.close();
      resolve();
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`the journal did not grow past ${seen} in ${timeoutMs} ms`));
    }, timeoutMs);
  });
}


test('a FROST member killed with kill -9 mid-signing restarts without reusing a nonce', async (t) => {
  if (findNatsServer() === undefined) return t.pass(`skipped: ${NATS_INSTALL_HINT}`);
  t.timeout(90_000);
  const root = mkdtempSync(join(tmpdir(), 'botpeer-frost-kill-'));
  const cluster = await startNatsCluster({ nodes: 3, dir: join(root, 'nats') });
  // Registered first, so it runs last: after the members' teardowns (ava runs them in reverse).
  t.teardown(async () => {
    await cluster.close();
    rmSync(root, { recursive: true, force: true });
  });
  const files = initConsortium(crypto, { dir: join(root, 'c'), name: 'frost-kill', members: 4, threshold: 3, frost: true });
  const set = files.members[0]!.genesis.validators;
  t.true(isFrostSet(set));
  const victimDir = files.members[3]!.dir;
  const shares = readFrostKeys(victimDir, set.groupKey!)!;
  const victim = shares.id;

  // Every message of the vote stream, as the first in-process member reads it (from seq 1, in order).
  const votes: Uint8Array[] = [];
  let chain = '';
  const members: Member[] = [];
  for (const i of [0, 1, 2]) {
    const member = await startMember({
      dataDir: files.members[i]!.dir, mqttPort: 0, timing: TIMING, verifyWorkers: 1,
      ordering: async (chainHex, name) => {
        const port = await connectNatsOrdering({ urls: cluster.urls, chainHex, name });
        if (i !== 0) return port;
        chain = chainHex;
        return { ...port, consumeVotes: (onVote) => port.consumeVotes((bytes) => (votes.push(bytes), onVote(bytes))) };
      },
    });
    t.teardown(() => member.close());
    members.push(member);
  }
  let child = await startChild(t, victimDir, cluster.urls);
  const signedBy = (index: number, after: number) => members[0]!.frost.participation.filter((p) => p.height > after && p.signers.includes(index)).length;
  await waitUntil(() => members.every((m) => m.height >= 3) && signedBy(victim, 0) > 0, 'three blocks, the victim among the signers', 30_000);

  // Mid-signing: killed the moment its journal holds a nonce more (written just before it is published).
  await journalGrows(victimDir, readNonceJournal(victimDir).length, 15_000);
  child.child.kill('SIGKILL');
  await child.exited;
  const journalBefore = readNonceJournal(victimDir);
  const lastNonceHeight = journalBefore[journalBefore.length - 1]!.height;
  const committedAtKill = members[0]!.height;
  t.true(journalBefore.length > 0);

  child = await startChild(t, victimDir, cluster.urls);
  const restartedAt = Math.max(...members.map((m) => m.height));
  await waitUntil(
    () => members.every((m) => m.height >= restartedAt + 6) && signedBy(victim, restartedAt) >= 2 && child.height >= restartedAt + 6,
    'six more blocks at every member, the restarted victim among the signers of two', 45_000,
  );
  t.true(signedBy(victim, restartedAt) >= 2, 'the participation records name the restarted victim');
  // SIGTERM: the restarted member closes its store cleanly, then its ledger is read here.
  child.child.kill('SIGTERM');
  await child.exited;
  // Everything on the vote stream by now, the victim's last messages included, read by member 0.
  const nc = await connectNats(cluster.urls, 'frost-kill-test');
  const lastVote = (await (await jetstreamManager(nc)).streams.info(chainSubjects(chain).voteStream)).state.last_seq;
  await nc.close();
  await waitUntil(() => votes.length >= lastVote, `the vote stream read up to ${lastVote}`, 10_000);

  // The journal: no pubnonce twice, the first run's entries kept, new ones added.
  const journal = readNonceJournal(victimDir);
  const journaled = new Set(journal.map((r) => r.pubnonce));
  t.is(journaled.size, journal.length, 'no pubnonce journaled twice');
  t.true(journalBefore.every((r) => journaled.has(r.pubnonce)), "the first run's nonces kept");
  t.true(journal.length > journalBefore.length, 'the second run journaled nonces of its own');

  // Every nonce it published on the vote stream was journaled first.
  const messages: SignedFrostMessage[] = votes.filter(isFrostMessage).map(decodeFrostMessage);
  const published = new Set(messages.flatMap((m) => (m.kind === FrostKind.NONCE && m.index === victim ? [bytesToHex(m.pubnonce)] : [])));
  t.true(published.size > 0);
  const killedNonce = journalBefore[journalBefore.length - 1]!.pubnonce;
  t.deepEqual([...published].filter((p) => !journaled.has(p)), [], 'no pubnonce published unjournaled');

  // Each of its nonces used in at most one partial signature (a re-delivered identical message counts
  // once). A partial belongs to the REQUEST it verifies against (PartialSigVerify): a coordinator
  // restarted at the same height numbers its sessions from the start again.
  const requests = messages.flatMap((m) => (m.kind === FrostKind.REQUEST ? [m] : []));
  const partials = new Map<string, Extract<SignedFrostMessage, { kind: typeof FrostKind.PARTIAL }>>();
  for (const m of messages) if (m.kind === FrostKind.PARTIAL && m.index === victim) partials.set(`${m.height}/${m.session}/${bytesToHex(m.psig)}`, m);
  const usedIn = new Map<string, string[]>();
  for (const [key, p] of partials) {
    const nonces = new Set(requests.flatMap((r) => {
      const at = r.signers.findIndex((s) => s.index === victim);
      if (r.height !== p.height || r.session !== p.session || at < 0) return [];
      const ctx = { n: set.keys.length, t: set.threshold, ids: r.signers.map((s) => s.index), pubshares: r.signers.map((s) => shares.pubshares[s.index]!), threshPk: shares.threshPk };
      const ok = partialSigVerify(p.psig, r.signers.map((s) => s.pubnonce), ctx, [], [], commitDigest(crypto, p.headerHash), at);
      return ok ? [bytesToHex(r.signers[at]!.pubnonce)] : [];
    }));
    t.is(nonces.size, 1, `partial ${key} verifies in one request`);
    for (const nonce of nonces) usedIn.set(nonce, [...(usedIn.get(nonce) ?? []), key]);
  }
  t.true(usedIn.size > 0);
  t.deepEqual([...usedIn].filter(([, keys]) => keys.length > 1), [], 'one partial signature per nonce');
  const secondRun = [...usedIn.keys()].filter((n) => !journalBefore.some((r) => r.pubnonce === n));
  t.true(secondRun.length > 0, 'the restarted member signed with nonces of its own');

  t.deepEqual(members.flatMap((m) => m.votes.disagreements), [], 'no member named in evidence');

  // Identical light blocks at all four members, each a group signature a light client verifies.
  const victimStore: LedgerStore = openSqliteStore(join(victimDir, 'ledger.sqlite'));
  t.teardown(() => victimStore.close());
  const stores = [...members.map((m) => m.store), victimStore];
  const height = Math.min(...members.map((m) => m.height), victimStore.latestBlock()?.height ?? 0);
  t.true(height >= restartedAt + 6);
  let trusted: TrustedState = trustFromGenesis(crypto, files.members[0]!.genesis);
  const trust = makeTrustOptions({});
  for (let h = 1; h <= height; h++) {
    const reference = stores[0]!.block(h)!.lightBlock;
    for (const [i, s] of stores.entries()) t.is(bytesToHex(s.block(h)!.lightBlock), bytesToHex(reference), `light block ${h} at member ${i}`);
    const block = decodeLightBlock(reference);
    t.is(block.commit.groupSignature?.length, 64, `block ${h}: one group signature`);
    trusted = applyHeader(trusted, expectOk(t, verifyHeader(crypto, trusted, block, Date.now(), trust), `block ${h}`));
  }
  t.log(`victim index ${victim}: killed after journaling a nonce for height ${lastNonceHeight} (height ${committedAtKill} committed), its last nonce ${published.has(killedNonce) ? 'published' : 'not yet published'}; restarted at ${restartedAt}; journal ${journalBefore.length} → ${journal.length} nonces; ${partials.size} partials, ${secondRun.length} after the restart; ${height} blocks identical`);
});
