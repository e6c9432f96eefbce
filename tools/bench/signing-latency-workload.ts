// The signing-latency benchmark's workload (tools layer, Node only): the time the members add
// to each block to make its commit, from "block h executed at every member" to "every member
// holds a verified commit of h", at n members with a two-thirds threshold. Real classes, no
// chain: ECDSA votes go through VoteBook (each member signs its vote, then verifies votes until
// `threshold` agree), FROST through FrostSigning (NONCE from every member, the coordinator's
// REQUEST, PARTIALs checked by the coordinator, the aggregate SIGNATURE verified by every member).
//
// All n members run in this one process over an in-memory vote stream that every member reads
// in the same order (as the NATS vote stream), driven as a discrete-event simulation: each member
// has its own clock, a message reaches every member `hopMs` after it was published, and a member
// handles its messages one at a time in stream order, each taking the CPU time it really took
// here (performance.now around the handler: one thread, so handler time is its CPU). That gives
// two figures per block: the latency with one core per member (the simulation's clocks), and the
// process's wall time, which is the sum of every member's work since they share this thread.

import { type Commit, type CryptoProvider, type ValidatorSet, bytesToHex, decodeVote, encodeVote, equalBytes, makeValidatorSet, signVote, verifyCommitSignatures } from '../../src/index.js';
import { ascii } from '../../src/codec/bytes.js';
import { trustedDealerKeygen } from '../gateway/frost/trusted-dealer.js';
import { FrostSigning } from '../gateway/consortium/frost-signing.js';
import type { FrostKeys } from '../gateway/consortium/frost-keys.js';
import { FrostKind, decodeFrostMessage, isFrostMessage } from '../gateway/consortium/frost-messages.js';
import type { ExecutedBlock } from '../gateway/consortium/member-executor.js';
import { VoteBook } from '../gateway/consortium/vote-book.js';

export type Scheme = 'ecdsa' | 'frost';

export interface SigningLatencyFigure {
  readonly members: number;
  readonly threshold: number;
  readonly scheme: Scheme;
  /** The members' crypto provider (BIP-340 verification included). */
  readonly provider: string;
  readonly blocks: number;
  /** Median over the blocks: executed at every member → every member holds a verified commit, one core per member (simulated clocks), ms. */
  readonly latencyMs: number;
  /** Median over the blocks: this process's wall time for the whole exchange = the sum of every member's work, ms. */
  readonly wallMs: number;
  /** Median over the blocks of the mean and the largest per-member CPU (handler time), ms. */
  readonly memberCpuMeanMs: number;
  readonly memberCpuMaxMs: number;
  /** Messages on the vote stream per block, by kind ('vote' or the FROST kind's name). */
  readonly messages: Readonly<Record<string, number>>;
  /** Bytes on the vote stream per block (each message once). */
  readonly streamBytes: number;
  /** Messages in the longest causal chain from execution to the last commit (network hops). */
  readonly hops: number;
  /** Per block: how many members held a commit that verifies (must be `members`), and how many distinct commits there were (FROST: must be 1). */
  readonly verifiedCommits: readonly number[];
  readonly distinctCommits: readonly number[];
  /** Per block, over all members: ECDSA signatures made, ECDSA and BIP-340 signatures verified by the members' crypto provider. */
  readonly signs: number;
  readonly verifies: number;
  readonly schnorrVerifies: number;
  /** FROST retries (must be 0: nobody is slow or faulty here). */
  readonly retries: number;
}

export interface SigningLatencyOptions {
  readonly crypto: CryptoProvider;
  readonly members: number;
  readonly threshold: number;
  readonly blocks: number;
  /** Network delay added to every message, ms (0: the protocol work alone). */
  readonly hopMs?: number;
}

/** Everything FrostSigning needs apart from what the benchmark decides per member. */
export interface FrostSigningArgs {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly memberKey: Uint8Array;
  readonly memberPrivateKey: Uint8Array;
  readonly keys: FrostKeys;
  readonly publish: (message: Uint8Array) => void;
  readonly now: () => number;
}

/**
 * The one place the benchmark constructs a FrostSigning (no nonce journal: its fsync per nonce
 * is the member's disk, not the protocol). Messages are signed and verified as on a member.
 */
export function makeFrostSigning(args: FrostSigningArgs, evidence: VoteBook, committedHeight: number): FrostSigning {
  return new FrostSigning({
    crypto: args.crypto, chainId: args.chainId, memberKey: args.memberKey, memberPrivateKey: args.memberPrivateKey, shares: () => args.keys, journal: undefined,
    publish: args.publish, now: args.now,
    // No takeover in a run where everybody answers at once: a takeover would mean a bug here.
    takeoverMs: 3_600_000,
    evidence, log: () => undefined,
  }, committedHeight);
}

interface Consortium {
  readonly set: ValidatorSet;
  readonly frostSet: ValidatorSet & { groupKey: Uint8Array };
  /** By set index. */
  readonly privateKeys: readonly Uint8Array[];
  readonly frostKeys: readonly FrostKeys[];
}

function makeConsortium(crypto: CryptoProvider, members: number, threshold: number): Consortium {
  const byKey = new Map<string, Uint8Array>();
  for (let i = 0; i < members; i++) {
    const privateKey = crypto.sha256(ascii(`latency member ${i}`));
    byKey.set(bytesToHex(crypto.publicKey(privateKey)), privateKey);
  }
  const keys = [...byKey.keys()].map((hex) => crypto.publicKey(byKey.get(hex)!));
  const set = makeValidatorSet(threshold, keys);
  const privateKeys = set.keys.map((k) => byKey.get(bytesToHex(k))!);
  // A dealer is enough here: key generation is not part of a block's signing.
  const dealt = trustedDealerKeygen(crypto.sha256(ascii(`latency group ${members}`)), members, threshold);
  const groupKey = dealt.threshPk.subarray(1);
  const frostSet = makeValidatorSet(threshold, set.keys, groupKey) as ValidatorSet & { groupKey: Uint8Array };
  const frostKeys = set.keys.map((_, id) => ({ t: threshold, n: members, threshPk: dealt.threshPk, groupKey, pubshares: dealt.pubshares, id, secshare: dealt.secshares[id]! }));
  return { set, frostSet, privateKeys, frostKeys };
}

/** One member's side in the simulation. */
interface SimMember {
  onExecuted(height: number, hash: Uint8Array): void;
  onBytes(bytes: Uint8Array): void;
  commitOf(height: number, hash: Uint8Array): Commit | undefined;
  committed(height: number): void;
  /** FROST sessions retried (0 for votes). */
  retries(): number;
}

interface Delivery {
  readonly at: number;
  readonly seq: number;
  readonly member: number;
  /** undefined: "block executed" (at time 0). */
  readonly bytes: Uint8Array | undefined;
  /** Causal depth: messages between execution and this one. */
  readonly depth: number;
}

/** A binary heap by (at, seq): the stream's order, the same at every member. */
class Queue {
  private readonly items: Delivery[] = [];
  get size(): number {
    return this.items.length;
  }
  push(d: Delivery): void {
    const a = this.items;
    a.push(d);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Delivery {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
const before = (x: Delivery, y: Delivery) => x.at < y.at || (x.at === y.at && x.seq < y.seq);

const KIND_NAMES = new Map<number, string>(Object.entries(FrostKind).map(([name, kind]) => [kind, name]));

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Signing latency of `blocks` consecutive heights with one scheme. */
export function runSigningLatency(options: SigningLatencyOptions, scheme: Scheme): SigningLatencyFigure {
  const { crypto, members: n, threshold, blocks } = options;
  const hopMs = options.hopMs ?? 0;
  const chainId = new Uint8Array(8).fill(1);
  const c = makeConsortium(crypto, n, threshold);
  const set = scheme === 'frost' ? c.frostSet : c.set;
  // The members' provider counts what they sign and verify (the FROST arithmetic itself is not
  // the provider's: tools/gateway/frost, on noble's points).
  const ops = { sign: 0, verify: 0, verifySchnorr: 0 };
  const memberCrypto: CryptoProvider = Object.freeze({
    ...crypto,
    sign: (digest: Uint8Array, privateKey: Uint8Array) => (ops.sign++, crypto.sign(digest, privateKey)),
    verify: (signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array) => (ops.verify++, crypto.verify(signature, digest, publicKey)),
    verifySchnorr: (signature: Uint8Array, message: Uint8Array, key: Uint8Array) => (ops.verifySchnorr++, crypto.verifySchnorr(signature, message, key)),
  });

  // The simulation's state, shared with the members' callbacks.
  const clocks = new Float64Array(n);
  let current = -1; // the member whose handler runs
  let handlerStart = 0; // its simulated start time
  let realStart = 0; // performance.now() when its handler began
  let currentDepth = 0;
  let seq = 0;
  const queue = new Queue();
  const counts: Record<string, number> = {};
  let streamBytes = 0;
  const simNow = () => handlerStart + (performance.now() - realStart);
  const publish = (bytes: Uint8Array) => {
    // The kind is a FROST message's first item, one CBOR byte after the array head (no decode in the timing).
    const kind = isFrostMessage(bytes) ? KIND_NAMES.get(bytes[1]!) ?? 'unknown' : 'vote';
    counts[kind] = (counts[kind] ?? 0) + 1;
    streamBytes += bytes.length;
    const at = simNow() + hopMs;
    for (let m = 0; m < n; m++) queue.push({ at, seq: seq++, member: m, bytes, depth: currentDepth + 1 });
  };

  const sims: SimMember[] = set.keys.map((memberKey, index) => {
    const evidence = new VoteBook(memberCrypto, 0);
    if (scheme === 'frost') {
      const frost = makeFrostSigning({ crypto: memberCrypto, chainId, memberKey, memberPrivateKey: c.privateKeys[index]!, keys: c.frostKeys[index]!, publish, now: simNow }, evidence, 0);
      return {
        onExecuted: (height, hash) => frost.onExecuted(height, hash, set),
        onBytes: (bytes) => frost.onMessage(decodeFrostMessage(bytes)),
        commitOf: (height, hash) => frost.commitOf(height, hash),
        committed: (height) => {
          frost.committed(height);
          evidence.committed(height);
        },
        retries: () => frost.stats.retries,
      };
    }
    let block: ExecutedBlock | undefined;
    return {
      onExecuted: (height, hash) => {
        // VoteBook reads only the height, hash and signing set of an executed block.
        block = { height, hash, validators: set } as ExecutedBlock;
        const vote = signVote(memberCrypto, height, hash, index, c.privateKeys[index]!);
        evidence.add(vote);
        publish(encodeVote(vote));
      },
      onBytes: (bytes) => evidence.add(decodeVote(bytes)),
      commitOf: (height, hash) => (block && block.height === height && equalBytes(block.hash, hash) ? evidence.commitOf(block) : undefined),
      committed: (height) => evidence.committed(height),
      retries: () => 0,
    };
  });

  const latencies: number[] = [];
  const walls: number[] = [];
  const cpuMeans: number[] = [];
  const cpuMaxes: number[] = [];
  const verifiedCommits: number[] = [];
  const distinctCommits: number[] = [];
  let perBlockCounts: Record<string, number> = {};
  let perBlockBytes = 0;
  let perBlockOps = { ...ops };
  let hops = 0;
  // Height 1 warms up (JIT, lazy tables) and is left out of the figures.
  for (let height = 1; height <= blocks + 1; height++) {
    const hash = crypto.sha256(ascii(`latency block ${height} of ${n}`));
    clocks.fill(0);
    const cpu = new Float64Array(n);
    const commits: (Commit | undefined)[] = new Array(n).fill(undefined);
    const commitAt = new Float64Array(n);
    let lastDepth = 0;
    for (const k of Object.keys(counts)) delete counts[k];
    streamBytes = 0;
    ops.sign = ops.verify = ops.verifySchnorr = 0;
    for (let m = 0; m < n; m++) queue.push({ at: 0, seq: seq++, member: m, bytes: undefined, depth: 0 });
    const wallStart = performance.now();
    while (queue.size > 0) {
      const d = queue.pop();
      current = d.member;
      currentDepth = d.depth;
      handlerStart = Math.max(clocks[current]!, d.at);
      realStart = performance.now();
      const sim = sims[current]!;
      if (commits[current] === undefined) {
        // A committed member drops the height's late messages unread (as member.ts does): no work.
        if (d.bytes === undefined) sim.onExecuted(height, hash);
        else sim.onBytes(d.bytes);
        const commit = sim.commitOf(height, hash);
        if (commit) {
          commits[current] = commit;
          commitAt[current] = simNow();
          lastDepth = Math.max(lastDepth, d.depth);
          sim.committed(height);
        }
      }
      const spent = performance.now() - realStart;
      cpu[current] += spent;
      clocks[current] = handlerStart + spent;
    }
    const wall = performance.now() - wallStart;
    current = -1;
    if (height === 1) continue;
    walls.push(wall);
    latencies.push(Math.max(...commitAt));
    const cpus = Array.from(cpu);
    cpuMeans.push(cpus.reduce((a, b) => a + b, 0) / n);
    cpuMaxes.push(Math.max(...cpus));
    // Checked outside the timing: every member's commit verifies under the set. FROST commits are
    // all one; ECDSA commits differ by which `threshold` votes each member had first.
    verifiedCommits.push(commits.filter((commit) => commit && commit.height === height && equalBytes(commit.headerHash, hash) && verifyCommitSignatures(crypto, set, commit, hash).ok).length);
    distinctCommits.push(new Set(commits.map((commit) => (commit ? JSON.stringify([commit.groupSignature && bytesToHex(commit.groupSignature), commit.signatures.map((s) => [s.index, bytesToHex(s.signature)])]) : 'none'))).size);
    perBlockCounts = { ...counts };
    perBlockOps = { ...ops };
    perBlockBytes = streamBytes;
    hops = Math.max(hops, lastDepth);
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    members: n, threshold, scheme, provider: crypto.name, blocks,
    latencyMs: round(median(latencies)), wallMs: round(median(walls)),
    memberCpuMeanMs: round(median(cpuMeans)), memberCpuMaxMs: round(median(cpuMaxes)),
    messages: perBlockCounts, streamBytes: perBlockBytes, hops, verifiedCommits, distinctCommits,
    signs: perBlockOps.sign, verifies: perBlockOps.verify, schnorrVerifies: perBlockOps.verifySchnorr,
    retries: sims.reduce((a, s) => a + s.retries(), 0),
  };
}
