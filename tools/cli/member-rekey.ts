// `botpeer member rekey` (tools layer, Node only): a change of a FROST consortium's membership
// (or the move of an ECDSA consortium to FROST) in one command that every member of the NEW set
// runs on its own machine at about the same time (docs/protocol.md §12.5, §5.8.2):
//
//   1. the new key list is the current set (as this member's ledger holds it) with --add and
//      --remove applied; the session id hashes chain, current set, threshold and keys, so members
//      that run the same change meet in the same key generation without further coordination;
//   2. the key generation among them runs over NATS (runNetworkDkg: signed messages, encrypted
//      shares, public blame; a silent or faulty member is named and the rest go on without it);
//   3. this member stores its share for the new group key (keys/frost-<groupKey>.key);
//   4. each member of the CURRENT set signs its approval of the resulting REKEY and broadcasts it
//      on botpeer.<chainhex>.rekey; every participant collects the approvals it can verify;
//   5. the proposal file with the approvals is written (--out), usable by `member approve`
//      (e.g. for members that leave) and `member submit`; with --mqtt, the approving member with
//      the lowest index submits it through its broker.

import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { SMALL_LIMITS } from '../../src/codec/limits.js';
import {
  type Approval, type CryptoProvider, GovernAction, type Proposal, type ValidatorSet, approvalDigest, bytesToHex, compareBytes,
  equalBytes, signApprovals, validatorSetHash,
} from '../../src/index.js';
import { natsBroadcast, natsDkgTransport, rekeySubject } from '../gateway/consortium/dkg-transport-nats.js';
import { writeFrostShare } from '../gateway/consortium/frost-keys.js';
import { connectNats } from '../gateway/consortium/nats-connection.js';
import { type DkgTransport, NetworkDkgError, runNetworkDkg } from '../gateway/frost-dkg/network-dkg.js';
import { CliError, UsageError, intOption } from './cli-support.js';
import { currentSet, describeProposal, keyList, memberChain, memberSubmit, proposalFile, writeProposal } from './member-govern.js';
import { natsUrlsOf } from './member-command.js';

export interface MemberRekeyOptions {
  readonly data: string;
  readonly nats?: string | undefined;
  readonly add?: string | undefined;
  readonly remove?: string | undefined;
  readonly threshold?: string | undefined;
  readonly out?: string | undefined;
  readonly mqtt?: string | undefined;
  readonly timeout?: string | undefined;
}

/** The two broadcast channels a re-key needs (NATS in production; tests pass an in-memory bus). */
export interface RekeyChannels {
  readonly dkg: DkgTransport;
  readonly approvals: DkgTransport;
  close(): Promise<void>;
}

const USAGE = 'member';
/** How long a member keeps answering late approvals after it has collected enough. */
const APPROVAL_GRACE_MS = 3000;

/** The new set's keys (sorted) and threshold from the current set and the options. */
export function rekeyTarget(current: ValidatorSet, options: MemberRekeyOptions): { keys: Uint8Array[]; threshold: number } {
  const add = keyList(options.add, '--add');
  const remove = keyList(options.remove, '--remove');
  const has = (list: readonly Uint8Array[], key: Uint8Array) => list.some((k) => equalBytes(k, key));
  for (const k of add) if (has(current.keys, k)) throw new UsageError(`--add ${bytesToHex(k)}: already a member`, USAGE);
  for (const k of remove) if (!has(current.keys, k)) throw new UsageError(`--remove ${bytesToHex(k)}: not a member of the current set`, USAGE);
  const keys = [...current.keys.filter((k) => !has(remove, k)), ...add].sort(compareBytes);
  if (keys.some((k, i) => i > 0 && equalBytes(k, keys[i - 1]!))) throw new UsageError('--add names a key twice', USAGE);
  if (keys.length === 0) throw new UsageError('the new set would have no members', USAGE);
  const threshold = intOption(options.threshold, '--threshold', Math.min(current.threshold, keys.length), 1, keys.length);
  return { keys, threshold };
}

/** What every member of the new set computes alike: SHA-256(CBOR([chainId, current set hash, threshold, keys])). */
function sessionIdOf(crypto: CryptoProvider, chainId: Uint8Array, current: ValidatorSet, threshold: number, keys: readonly Uint8Array[]): Uint8Array {
  return crypto.sha256(encodeCbor([chainId, validatorSetHash(crypto, current), threshold, [...keys]]));
}

async function natsChannels(urls: readonly string[], chainHex: string, name: string): Promise<RekeyChannels> {
  const nc = await connectNats(urls, name);
  return { dkg: natsDkgTransport(nc, chainHex), approvals: natsBroadcast(nc, rekeySubject(chainHex)), close: () => nc.drain() };
}

/**
 * Collects verified approvals of `proposal` (APPROVAL message: CBOR [sessionId, index, signature]),
 * broadcasting this member's own (if it is in the current set) whenever it hears a sender it had
 * not heard, so a member that finishes its key generation later still collects everyone's.
 */
function collectApprovals(
  crypto: CryptoProvider, channel: DkgTransport, sessionId: Uint8Array, digest: Uint8Array, current: ValidatorSet, own: Approval | undefined, timeoutMs: number,
): Promise<Approval[]> {
  const approvals = new Map<number, Approval>();
  if (own) approvals.set(own.index, own);
  const publishOwn = () => own && channel.publish(encodeCbor([sessionId, own.index, own.signature]));
  return new Promise((resolve) => {
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      clearInterval(repeat);
      unsubscribe();
      resolve([...approvals.values()].sort((a, b) => a.index - b.index));
    };
    const unsubscribe = channel.subscribe((bytes) => {
      let index: number;
      let signature: Uint8Array;
      try {
        const [sid, i, sig] = decodeCbor(bytes, SMALL_LIMITS) as [Uint8Array, number, Uint8Array];
        if (!(sid instanceof Uint8Array) || !equalBytes(sid, sessionId) || !Number.isInteger(i) || !(sig instanceof Uint8Array)) return;
        index = i;
        signature = sig;
      } catch {
        return; // not an approval: nothing on this subject is trusted unless it verifies
      }
      if (approvals.has(index) || index < 0 || index >= current.keys.length || !crypto.verify(signature, digest, current.keys[index]!)) return;
      approvals.set(index, { index, signature });
      publishOwn();
      if (approvals.size >= current.threshold && graceTimer === undefined) graceTimer = setTimeout(finish, APPROVAL_GRACE_MS);
    });
    // Also re-published on a timer: a subscriber that joined after the last new sender still hears it.
    const repeat = setInterval(publishOwn, 1000);
    const deadline = setTimeout(finish, timeoutMs);
    publishOwn();
    if (approvals.size >= current.threshold) graceTimer = setTimeout(finish, APPROVAL_GRACE_MS);
  });
}

export async function memberRekey(
  crypto: CryptoProvider, options: MemberRekeyOptions, log: (line: string) => void,
  channelsFor?: (chainHex: string) => Promise<RekeyChannels>,
): Promise<number> {
  if (options.out === undefined) throw new UsageError('give --out FILE: where to write the REKEY proposal and its approvals', USAGE);
  if (options.nats === undefined && channelsFor === undefined) throw new UsageError('give --nats URL[,URL…]: the members\' NATS cluster, where the key generation runs', USAGE);
  const timeoutMs = intOption(options.timeout, '--timeout', 60_000, 1000, 3_600_000);
  const chain = memberChain(crypto, options.data);
  const me = chain.gatewayKey.publicKey;
  const { set: current, height } = currentSet(chain);
  const { keys, threshold } = rekeyTarget(current, options);
  if (!keys.some((k) => equalBytes(k, me))) {
    throw new CliError(`this member (${bytesToHex(me).slice(0, 16)}…) is not in the new set, so it takes no part in the key generation; once the others have written the proposal, approve it with \`botpeer member approve FILE --data ${options.data}\``);
  }
  const chainHex = bytesToHex(chain.chainId);
  const sessionId = sessionIdOf(crypto, chain.chainId, current, threshold, keys);
  log(`re-key at height ${height}: ${threshold} of ${keys.length} members under a new FROST group key; session ${bytesToHex(sessionId).slice(0, 16)}…`);
  log(`every member of the new set runs the same \`botpeer member rekey\` now; waiting up to ${timeoutMs} ms per phase for the others…`);
  const channels = channelsFor ? await channelsFor(chainHex) : await natsChannels(natsUrlsOf(options.nats!), chainHex, `rekey-${bytesToHex(me).slice(0, 16)}`);
  try {
    let result;
    try {
      result = await runNetworkDkg({ sessionId, keys, t: threshold, privateKey: chain.gatewayKey.privateKey, transport: channels.dkg, timeoutMs, crypto, log: (line) => log(`key generation: ${line}`) });
    } catch (error) {
      if (error instanceof NetworkDkgError) {
        const named = error.excluded.map((e) => `${bytesToHex(e.key).slice(0, 16)}… (${e.reason})`).join(', ');
        throw new CliError(`${error.message}${named ? `; excluded: ${named}` : ''}`);
      }
      throw error;
    }
    for (const e of result.excluded) log(`excluded from the new set: ${bytesToHex(e.key)} (${e.reason})`);
    const id = result.keys.findIndex((k) => equalBytes(k, me));
    writeFrostShare(options.data, result, id, result.secshare);
    log(`group key ${bytesToHex(result.groupKey)}; this member's share is in ${options.data}/keys/frost-${bytesToHex(result.groupKey)}.key`);

    const proposal: Proposal = { action: GovernAction.REKEY, threshold: result.t, keys: result.keys, groupKey: result.groupKey };
    const setHash = validatorSetHash(crypto, current);
    const digest = approvalDigest(crypto, chain.chainId, setHash, proposal);
    const index = current.keys.findIndex((k) => equalBytes(k, me));
    const own = index < 0 ? undefined : signApprovals(crypto, chain.chainId, setHash, proposal, [{ index, privateKey: chain.gatewayKey.privateKey }])[0];
    // The approvals are bound to the key generation's outcome, so all participants' sessions agree on it.
    const approvalSession = crypto.sha256(encodeCbor([sessionId, result.groupKey]));
    const approvals = await collectApprovals(crypto, channels.approvals, approvalSession, digest, current, own, timeoutMs);
    writeProposal(options.out, proposalFile(crypto, chain.chainId, current, proposal, approvals));
    log(`proposal written to ${options.out}: ${describeProposal(proposal)}; ${approvals.length} of ${current.threshold} approvals needed`);
    if (approvals.length < current.threshold) {
      log(`next: more members of the current set approve it (\`botpeer member approve ${options.out} --data MEMBER_DIR\`), then one submits it`);
      return 0;
    }
    if (options.mqtt === undefined) {
      log(`next: one member submits it (\`botpeer member submit ${options.out} --data MEMBER_DIR --mqtt URL\`)`);
      return 0;
    }
    if (approvals[0]!.index !== index) {
      log(`member ${approvals[0]!.index} submits it (the approving member with the lowest index)`);
      return 0;
    }
    return await memberSubmit(crypto, options.out, { data: options.data, mqtt: options.mqtt, timeout: options.timeout }, log);
  } finally {
    await channels.close();
  }
}
