// `botpeer member propose | approve | submit` (tools layer, Node only): a change of the
// consortium's membership as a file that travels between the members (docs/protocol.md §5.8.2).
// One member writes the proposal, each approving member adds its signature with its own key
// (on its own machine: no private key leaves it), and any member sends the GOVERN transaction,
// signed by its key, through its own broker and waits for the verdict (its proof is the OK).
//
// The proposal file (JSON, hex for bytes):
//   { "chainId", "validatorsHash" (the set the approvals are counted in), "validators"
//     { threshold, keys[], groupKey? } (that set, so an approver needs no ledger to find its index),
//     "proposal" { action: add|remove|rotate|threshold|rekey, key | oldKey+newKey | threshold |
//       threshold+keys[]+groupKey },
//     "approvals" [{ index, signature }] ascending }
//
// A rekey names the whole next set, a FROST set: its members (sorted here), the FROST threshold
// and the group key their key generation made (each new member holds its share under
// keys/frost-<groupKey>.key before the proposal is submitted; tools/gateway/consortium/frost-keys.ts).

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type Approval, type CryptoProvider, ErrorCode, GovernAction, type Proposal, TxKind, type ValidatorSet, approvalDigest,
  bytesToHex, compareBytes, equalBytes, errorName, governBody, hexToBytes, isCompressedPublicKey, isXOnlyPublicKey, keyId, makeValidatorSet,
  signApprovals, validatorSetHash,
} from '../../src/index.js';
import { readFrostKeys } from '../gateway/consortium/frost-keys.js';
import { type ChainFiles, loadChain } from '../gateway/data-dir.js';
import type { LedgerStore } from '../gateway/ledger-store.js';
import { openSqliteStore } from '../gateway/store-sqlite.js';
import { CliError, UsageError, intOption, urlOption } from './cli-support.js';
import { submitAsOperator } from './operator-submit.js';

export interface ProposalFile {
  readonly chainId: string;
  readonly validatorsHash: string;
  readonly validators: { readonly threshold: number; readonly keys: readonly string[]; readonly groupKey?: string };
  readonly proposal: ProposalJson;
  readonly approvals: readonly { readonly index: number; readonly signature: string }[];
}

type ProposalJson =
  | { readonly action: 'add' | 'remove'; readonly key: string }
  | { readonly action: 'rotate'; readonly oldKey: string; readonly newKey: string }
  | { readonly action: 'threshold'; readonly threshold: number }
  | { readonly action: 'rekey'; readonly threshold: number; readonly keys: readonly string[]; readonly groupKey: string };

/** `propose rekey`'s options (the other proposals are all positional). */
export interface RekeyOptions {
  readonly keys?: string | undefined;
  readonly threshold?: string | undefined;
  readonly groupKey?: string | undefined;
}

const USAGE = 'member';

export function keyArg(value: string | undefined, what: string): Uint8Array {
  if (value === undefined) throw new UsageError(`give ${what} (a member's public key: 66 hex digits, as \`botpeer init --member-key\` prints it)`, USAGE);
  if (!/^[0-9a-fA-F]{66}$/.test(value) || !isCompressedPublicKey(hexToBytes(value.toLowerCase()))) {
    throw new UsageError(`${what} must be a compressed public key (66 hex digits, 02… or 03…), got ${JSON.stringify(value)}`, USAGE);
  }
  return hexToBytes(value.toLowerCase());
}

/** Comma-separated member keys (none when the option is absent). */
export function keyList(value: string | undefined, what: string): Uint8Array[] {
  if (value === undefined) return [];
  return value.split(',').map((k) => k.trim()).filter((k) => k !== '').map((k, i) => keyArg(k, `key ${i + 1} of ${what}`));
}

/** A rekey's new set: keys in any order (sorted here, as the set holds them), threshold 1..n, an x-only group key on the curve. */
export function rekeyProposal(options: RekeyOptions): Proposal {
  if (options.keys === undefined) throw new UsageError('give --keys K1,K2,…: every member key of the new set (66 hex digits each)', USAGE);
  const keys = keyList(options.keys, '--keys').sort(compareBytes);
  if (keys.length === 0 || keys.length > 64) throw new UsageError(`--keys lists ${keys.length} keys: a set has 1 to 64`, USAGE);
  const twice = keys.find((k, i) => i > 0 && equalBytes(k, keys[i - 1]!));
  if (twice) throw new UsageError(`--keys lists ${bytesToHex(twice)} twice`, USAGE);
  if (options.threshold === undefined) throw new UsageError('give --threshold T: the FROST signing threshold of the new set', USAGE);
  const threshold = intOption(options.threshold, '--threshold', 0, 1, keys.length);
  const hex = options.groupKey;
  if (hex === undefined) throw new UsageError('give --group-key HEX: the x-only group key (64 hex digits) the new members\' key generation made', USAGE);
  if (!/^[0-9a-fA-F]{64}$/.test(hex) || !isXOnlyPublicKey(hexToBytes(hex.toLowerCase()))) {
    throw new UsageError(`--group-key must be an x-only public key on the curve (64 hex digits), got ${JSON.stringify(hex)}`, USAGE);
  }
  return { action: GovernAction.REKEY, threshold, keys, groupKey: hexToBytes(hex.toLowerCase()) };
}

/** The proposal the words after `propose` name (`rekey` takes its set from `rekey`'s options). */
export function proposalOf(words: readonly string[], rekey: RekeyOptions = {}): Proposal {
  const [action, ...args] = words;
  if (action !== 'rekey' && (rekey.keys ?? rekey.threshold ?? rekey.groupKey) !== undefined) {
    throw new UsageError('--keys, --threshold and --group-key go with `propose rekey` only', USAGE);
  }
  const count = (n: number) => {
    if (args.length > n) throw new UsageError(`unexpected argument ${JSON.stringify(args[n])}`, USAGE);
  };
  switch (action) {
    case 'add':
      count(1);
      return { action: GovernAction.ADD_MEMBER, key: keyArg(args[0], 'the new member\'s key') };
    case 'remove':
      count(1);
      return { action: GovernAction.REMOVE_MEMBER, key: keyArg(args[0], 'the key of the member to remove') };
    case 'rotate':
      count(2);
      return { action: GovernAction.ROTATE_MEMBER_KEY, oldKey: keyArg(args[0], 'the member\'s old key'), newKey: keyArg(args[1], 'its new key') };
    case 'threshold':
      count(1);
      if (args[0] === undefined) throw new UsageError('give the new threshold (signatures a block needs)', USAGE);
      return { action: GovernAction.SET_THRESHOLD, threshold: intOption(args[0], 'the threshold', 0, 1, 64) };
    case 'rekey':
      count(0);
      return rekeyProposal(rekey);
    default:
      throw new UsageError(action === undefined ? 'say what to propose: add KEY, remove KEY, rotate OLD NEW, threshold T or rekey --keys … --threshold T --group-key HEX' : `unknown proposal ${JSON.stringify(action)} (add, remove, rotate, threshold or rekey)`, USAGE);
  }
}

function proposalToJson(p: Proposal): ProposalJson {
  switch (p.action) {
    case GovernAction.ADD_MEMBER: return { action: 'add', key: bytesToHex(p.key) };
    case GovernAction.REMOVE_MEMBER: return { action: 'remove', key: bytesToHex(p.key) };
    case GovernAction.ROTATE_MEMBER_KEY: return { action: 'rotate', oldKey: bytesToHex(p.oldKey), newKey: bytesToHex(p.newKey) };
    case GovernAction.SET_THRESHOLD: return { action: 'threshold', threshold: p.threshold };
    case GovernAction.REKEY: return { action: 'rekey', threshold: p.threshold, keys: p.keys.map(bytesToHex), groupKey: bytesToHex(p.groupKey) };
  }
}

function proposalFromJson(p: ProposalJson): Proposal {
  switch (p.action) {
    case 'add': return proposalOf(['add', p.key]);
    case 'remove': return proposalOf(['remove', p.key]);
    case 'rotate': return proposalOf(['rotate', p.oldKey, p.newKey]);
    case 'threshold': return proposalOf(['threshold', String(p.threshold)]);
    case 'rekey': return rekeyProposal({ keys: p.keys.join(','), threshold: String(p.threshold), groupKey: p.groupKey });
    default: throw new Error(`unknown action ${JSON.stringify((p as { action: unknown }).action)}`);
  }
}

export function describeProposal(p: Proposal): string {
  switch (p.action) {
    case GovernAction.ADD_MEMBER: return `add member ${bytesToHex(p.key)}`;
    case GovernAction.REMOVE_MEMBER: return `remove member ${bytesToHex(p.key)}`;
    case GovernAction.ROTATE_MEMBER_KEY: return `rotate member key ${bytesToHex(p.oldKey)} to ${bytesToHex(p.newKey)}`;
    case GovernAction.SET_THRESHOLD: return `set the threshold to ${p.threshold}`;
    case GovernAction.REKEY: return `rekey to ${p.threshold} of ${p.keys.length} members under FROST group key ${bytesToHex(p.groupKey)}`;
  }
}

interface Loaded {
  readonly file: ProposalFile;
  readonly chainId: Uint8Array;
  readonly set: ValidatorSet;
  readonly setHash: Uint8Array;
  readonly proposal: Proposal;
  readonly approvals: Approval[];
}

function readProposal(crypto: CryptoProvider, path: string): Loaded {
  if (!existsSync(path)) throw new CliError(`no proposal file ${path}`);
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as ProposalFile;
    const { groupKey } = file.validators;
    const set = makeValidatorSet(file.validators.threshold, file.validators.keys.map((k) => hexToBytes(k)), groupKey === undefined ? undefined : hexToBytes(groupKey));
    const setHash = validatorSetHash(crypto, set);
    if (bytesToHex(setHash) !== file.validatorsHash) throw new Error('its validators do not hash to its validatorsHash');
    const approvals = file.approvals.map((a) => ({ index: a.index, signature: hexToBytes(a.signature) }));
    return { file, chainId: hexToBytes(file.chainId), set, setHash, proposal: proposalFromJson(file.proposal), approvals };
  } catch (error) {
    if (error instanceof UsageError || error instanceof CliError) throw new CliError(`${path} is not a valid proposal: ${error.message}`);
    throw new CliError(`${path} is not a valid proposal file: ${(error as Error).message}`);
  }
}

export function writeProposal(path: string, file: ProposalFile): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

export function memberChain(crypto: CryptoProvider, dir: string): ChainFiles {
  try {
    return loadChain(crypto, dir);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The set that signs this member's next block, as its ledger holds it (the genesis set before the first block). */
export function currentSet(chain: ChainFiles): { set: ValidatorSet; height: number } {
  if (!existsSync(chain.ledgerPath)) return { set: chain.genesis.validators, height: 0 };
  let store: LedgerStore;
  try {
    store = openSqliteStore(chain.ledgerPath);
  } catch (error) {
    throw new CliError(`cannot open ${chain.ledgerPath}: ${(error as Error).message}`);
  }
  try {
    return { set: store.validatorSets()?.current ?? chain.genesis.validators, height: store.latestBlock()?.height ?? 0 };
  } finally {
    store.close();
  }
}

const indexIn = (set: ValidatorSet, key: Uint8Array) => set.keys.findIndex((k) => equalBytes(k, key));

/** The proposal must be for this member's chain and for the set its ledger holds now. */
function checkAgainstLedger(crypto: CryptoProvider, chain: ChainFiles, loaded: Loaded, path: string): void {
  if (!equalBytes(chain.chainId, loaded.chainId)) throw new CliError(`${path} is for chain ${loaded.file.chainId}, the member in ${chain.dir} is on chain ${bytesToHex(chain.chainId)}`);
  const { set, height } = currentSet(chain);
  if (!equalBytes(validatorSetHash(crypto, set), loaded.setHash)) {
    throw new CliError(`the set changed since the proposal was made: ${path} counts approvals in set ${loaded.file.validatorsHash.slice(0, 16)}…, the ledger in ${chain.dir} (height ${height}) has ${bytesToHex(validatorSetHash(crypto, set)).slice(0, 16)}… (${set.threshold} of ${set.keys.length}); make a new proposal (or wait until this member has caught up)`);
  }
}

/** The proposal file for `proposal`, counted in `set` (the current set), with these approvals. */
export function proposalFile(crypto: CryptoProvider, chainId: Uint8Array, set: ValidatorSet, proposal: Proposal, approvals: readonly Approval[]): ProposalFile {
  return {
    chainId: bytesToHex(chainId),
    validatorsHash: bytesToHex(validatorSetHash(crypto, set)),
    validators: { threshold: set.threshold, keys: set.keys.map(bytesToHex), ...(set.groupKey ? { groupKey: bytesToHex(set.groupKey) } : {}) },
    proposal: proposalToJson(proposal),
    approvals: [...approvals].sort((a, b) => a.index - b.index).map((a) => ({ index: a.index, signature: bytesToHex(a.signature) })),
  };
}

export function memberPropose(crypto: CryptoProvider, dir: string, words: readonly string[], out: string, log: (line: string) => void, rekey: RekeyOptions = {}): number {
  const proposal = proposalOf(words, rekey);
  const chain = memberChain(crypto, dir);
  const { set, height } = currentSet(chain);
  // The same rule as admission (docs/protocol.md §5.8.2 step 0), before anyone signs an approval.
  if (set.groupKey !== undefined && proposal.action !== GovernAction.REKEY) {
    throw new CliError(`the set of ${dir} is a FROST set (group key ${bytesToHex(set.groupKey).slice(0, 16)}…): it changes only by \`member propose rekey\` (a new key generation among the new members), not by ${words[0]}`);
  }
  const file = proposalFile(crypto, chain.chainId, set, proposal, []);
  writeProposal(out, file);
  log(`proposal written to ${out}: ${describeProposal(proposal)} on chain ${file.chainId}, counted in the set of height ${height + 1} (${set.threshold} of ${set.keys.length} must approve)`);
  if (proposal.action === GovernAction.REKEY && proposal.keys.some((k) => equalBytes(k, chain.gatewayKey.publicKey)) && readFrostKeys(dir, proposal.groupKey) === undefined) {
    log(`note: ${dir} holds no share for group key ${bytesToHex(proposal.groupKey)} (keys/frost-<groupKey>.key): this member will not sign under the new set until it has one`);
  }
  log(`next: each approving member runs \`botpeer member approve ${out} --data MEMBER_DIR\`; then one runs \`botpeer member submit ${out} --data MEMBER_DIR --mqtt URL\``);
  return 0;
}

export function memberApprove(crypto: CryptoProvider, path: string, dir: string, log: (line: string) => void): number {
  const loaded = readProposal(crypto, path);
  const chain = memberChain(crypto, dir);
  const index = indexIn(loaded.set, chain.gatewayKey.publicKey);
  if (index < 0) throw new CliError(`the key in ${dir}/keys/gateway.key is not a member of the set ${path} counts approvals in: not a member`);
  checkAgainstLedger(crypto, chain, loaded, path);
  const [approval] = signApprovals(crypto, loaded.chainId, loaded.setHash, loaded.proposal, [{ index, privateKey: chain.gatewayKey.privateKey }]);
  const approvals = [...loaded.approvals.filter((a) => a.index !== index), approval!].sort((a, b) => a.index - b.index);
  writeProposal(path, { ...loaded.file, approvals: approvals.map((a) => ({ index: a.index, signature: bytesToHex(a.signature) })) });
  log(`approved as member ${index}: ${describeProposal(loaded.proposal)}; ${approvals.length} of ${loaded.set.threshold} approvals needed`);
  return 0;
}

export interface SubmitOptions {
  readonly data: string;
  readonly mqtt: string | undefined;
  readonly timeout: string | undefined;
}

export async function memberSubmit(crypto: CryptoProvider, path: string, options: SubmitOptions, log: (line: string) => void): Promise<number> {
  if (options.mqtt === undefined) throw new UsageError('give --mqtt URL: the member\'s own broker (mqtt://host:port, as `botpeer gateway --nats` prints it)', USAGE);
  const url = urlOption(options.mqtt, '--mqtt', ['mqtt:', 'tcp:']);
  const timeoutMs = intOption(options.timeout, '--timeout', 30_000, 100, 3_600_000);
  const loaded = readProposal(crypto, path);
  const chain = memberChain(crypto, options.data);
  const memberId = keyId(crypto, chain.gatewayKey.publicKey);
  if (indexIn(loaded.set, chain.gatewayKey.publicKey) < 0) throw new CliError(`the key in ${options.data}/keys/gateway.key is not a member of the set ${path} counts approvals in: not a member (a GOVERN is sent by a member)`);
  checkAgainstLedger(crypto, chain, loaded, path);
  // The same checks as admission (docs/protocol.md §5.8.2), so a short file never leaves the machine.
  const digest = approvalDigest(crypto, loaded.chainId, loaded.setHash, loaded.proposal);
  const bad = loaded.approvals.find((a) => a.index >= loaded.set.keys.length || !crypto.verify(a.signature, digest, loaded.set.keys[a.index]!));
  if (bad) throw new CliError(`the approval of member ${bad.index} in ${path} does not verify for this proposal and set`);
  if (loaded.approvals.length < loaded.set.threshold) {
    throw new CliError(`too few approvals: ${loaded.approvals.length} in ${path}, the set needs ${loaded.set.threshold} (members approve with \`botpeer member approve ${path} --data MEMBER_DIR\`)`);
  }
  // The member account's next seq: from its ledger; a newer one only costs a REPLAY, and the next is tried.
  const store = existsSync(chain.ledgerPath) ? openSqliteStore(chain.ledgerPath) : undefined;
  let seq: number;
  try {
    seq = (store?.accounts().find((a) => equalBytes(a.id, memberId))?.lastSeq ?? 0) + 1;
  } finally {
    store?.close();
  }
  const body = governBody(loaded.proposal, loaded.approvals);
  for (let attempt = 0; attempt < 5; attempt++) {
    const [outcome] = await submitAsOperator({
      crypto, chainId: chain.chainId, operator: chain.gatewayKey, brokerUrl: url, firstSeq: seq, timeoutMs, purpose: ' to submit the proposal',
    }, [{ kind: TxKind.GOVERN, body }]);
    if (outcome!.code === ErrorCode.REPLAY) {
      seq++;
      continue;
    }
    if (outcome!.code === undefined) throw new CliError(`no verdict from ${url} within ${timeoutMs} ms: is it this member's running gateway? (the GOVERN may still be admitted; check before sending it again)`);
    if (outcome!.code !== ErrorCode.OK) throw new CliError(`the GOVERN was rejected: ${errorName(outcome!.code)} (${outcome!.code})${outcome!.code === ErrorCode.BAD_APPROVALS ? ': the set may have changed since the proposal was made' : ''}`);
    log(`GOVERN ${bytesToHex(outcome!.id)} is final: ${describeProposal(loaded.proposal)}; the block after the one holding it is signed by the new set`);
    return 0;
  }
  throw new CliError(`sequence numbers ${seq - 5}…${seq - 1} of this member's account are all taken: is another GOVERN being sent by it?`);
}
