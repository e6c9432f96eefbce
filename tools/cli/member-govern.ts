// `botpeer member propose | approve | submit` (tools layer, Node only): a change of the
// consortium's membership as a file that travels between the members (docs/protocol.md §5.8.2).
// One member writes the proposal, each approving member adds its signature with its own key
// (on its own machine: no private key leaves it), and any member sends the GOVERN transaction,
// signed by its key, through its own broker and waits for the verdict (its proof is the OK).
//
// The proposal file (JSON, hex for bytes):
//   { "chainId", "validatorsHash" (the set the approvals are counted in), "validators"
//     { threshold, keys[] } (that set, so an approver needs no ledger to find its index),
//     "proposal" { action: add|remove|rotate|threshold, key | oldKey+newKey | threshold },
//     "approvals" [{ index, signature }] ascending }

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type Approval, type CryptoProvider, ErrorCode, GovernAction, type Proposal, TxKind, type ValidatorSet, approvalDigest,
  bytesToHex, equalBytes, errorName, governBody, hexToBytes, isCompressedPublicKey, keyId, makeValidatorSet, signApprovals,
  validatorSetHash,
} from '../../src/index.js';
import { type ChainFiles, loadChain } from '../gateway/data-dir.js';
import type { LedgerStore } from '../gateway/ledger-store.js';
import { openSqliteStore } from '../gateway/store-sqlite.js';
import { CliError, UsageError, intOption, urlOption } from './cli-support.js';
import { submitAsOperator } from './operator-submit.js';

export interface ProposalFile {
  readonly chainId: string;
  readonly validatorsHash: string;
  readonly validators: { readonly threshold: number; readonly keys: readonly string[] };
  readonly proposal: ProposalJson;
  readonly approvals: readonly { readonly index: number; readonly signature: string }[];
}

type ProposalJson =
  | { readonly action: 'add' | 'remove'; readonly key: string }
  | { readonly action: 'rotate'; readonly oldKey: string; readonly newKey: string }
  | { readonly action: 'threshold'; readonly threshold: number };

const USAGE = 'member';

function keyArg(value: string | undefined, what: string): Uint8Array {
  if (value === undefined) throw new UsageError(`give ${what} (a member's public key: 66 hex digits, as \`botpeer init --member-key\` prints it)`, USAGE);
  if (!/^[0-9a-fA-F]{66}$/.test(value) || !isCompressedPublicKey(hexToBytes(value.toLowerCase()))) {
    throw new UsageError(`${what} must be a compressed public key (66 hex digits, 02… or 03…), got ${JSON.stringify(value)}`, USAGE);
  }
  return hexToBytes(value.toLowerCase());
}

/** The proposal the words after `propose` name. */
export function proposalOf(words: readonly string[]): Proposal {
  const [action, ...args] = words;
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
    default:
      throw new UsageError(action === undefined ? 'say what to propose: add KEY, remove KEY, rotate OLD NEW or threshold T' : `unknown proposal ${JSON.stringify(action)} (add, remove, rotate or threshold)`, USAGE);
  }
}

function proposalToJson(p: Proposal): ProposalJson {
  switch (p.action) {
    case GovernAction.ADD_MEMBER: return { action: 'add', key: bytesToHex(p.key) };
    case GovernAction.REMOVE_MEMBER: return { action: 'remove', key: bytesToHex(p.key) };
    case GovernAction.ROTATE_MEMBER_KEY: return { action: 'rotate', oldKey: bytesToHex(p.oldKey), newKey: bytesToHex(p.newKey) };
    case GovernAction.SET_THRESHOLD: return { action: 'threshold', threshold: p.threshold };
  }
}

function proposalFromJson(p: ProposalJson): Proposal {
  switch (p.action) {
    case 'add': return proposalOf(['add', p.key]);
    case 'remove': return proposalOf(['remove', p.key]);
    case 'rotate': return proposalOf(['rotate', p.oldKey, p.newKey]);
    case 'threshold': return proposalOf(['threshold', String(p.threshold)]);
    default: throw new Error(`unknown action ${JSON.stringify((p as { action: unknown }).action)}`);
  }
}

export function describeProposal(p: Proposal): string {
  switch (p.action) {
    case GovernAction.ADD_MEMBER: return `add member ${bytesToHex(p.key)}`;
    case GovernAction.REMOVE_MEMBER: return `remove member ${bytesToHex(p.key)}`;
    case GovernAction.ROTATE_MEMBER_KEY: return `rotate member key ${bytesToHex(p.oldKey)} to ${bytesToHex(p.newKey)}`;
    case GovernAction.SET_THRESHOLD: return `set the threshold to ${p.threshold}`;
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
    const set = makeValidatorSet(file.validators.threshold, file.validators.keys.map((k) => hexToBytes(k)));
    const setHash = validatorSetHash(crypto, set);
    if (bytesToHex(setHash) !== file.validatorsHash) throw new Error('its validators do not hash to its validatorsHash');
    const approvals = file.approvals.map((a) => ({ index: a.index, signature: hexToBytes(a.signature) }));
    return { file, chainId: hexToBytes(file.chainId), set, setHash, proposal: proposalFromJson(file.proposal), approvals };
  } catch (error) {
    if (error instanceof UsageError || error instanceof CliError) throw new CliError(`${path} is not a valid proposal: ${error.message}`);
    throw new CliError(`${path} is not a valid proposal file: ${(error as Error).message}`);
  }
}

function writeProposal(path: string, file: ProposalFile): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

function memberChain(crypto: CryptoProvider, dir: string): ChainFiles {
  try {
    return loadChain(crypto, dir);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The set that signs this member's next block, as its ledger holds it (the genesis set before the first block). */
function currentSet(chain: ChainFiles): { set: ValidatorSet; height: number } {
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

export function memberPropose(crypto: CryptoProvider, dir: string, words: readonly string[], out: string, log: (line: string) => void): number {
  const proposal = proposalOf(words);
  const chain = memberChain(crypto, dir);
  const { set, height } = currentSet(chain);
  const file: ProposalFile = {
    chainId: bytesToHex(chain.chainId),
    validatorsHash: bytesToHex(validatorSetHash(crypto, set)),
    validators: { threshold: set.threshold, keys: set.keys.map(bytesToHex) },
    proposal: proposalToJson(proposal),
    approvals: [],
  };
  writeProposal(out, file);
  log(`proposal written to ${out}: ${describeProposal(proposal)} on chain ${file.chainId}, counted in the set of height ${height + 1} (${set.threshold} of ${set.keys.length} must approve)`);
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
