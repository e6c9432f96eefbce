// `botpeer contract deploy|invoke|query` (tools layer, Node only): deployed contracts through a
// running gateway. deploy and invoke sign an INVOKE of the DEPLOYED contract (docs/contracts.md)
// with the operator key (or --key FILE), publish it over MQTT, wait until it is in a block (its
// inclusion proof came) or refused (its ack's code), and print the block. query asks the
// gateway's HTTP API, which runs the query in its sandbox on the committed state.
//
// Sequence numbers continue the signing account's: lastSeq and pendingSeq from the gateway's
// HTTP API (/registry/<id>), or --seq N.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BotError, type CryptoProvider, type KeyPair, TX_LIMITS, TxKind, bytesToHex, encodeTx, errorName, keyId, signTx,
} from '../../src/index.js';
import { contractHash } from '../gateway/contract-sandbox/contract-hash.js';
import { ContractSandbox } from '../gateway/contract-sandbox/contract-sandbox.js';
import { canonicalJson } from '../gateway/contract-sandbox/contract-value.js';
import { callBody, deployBody } from '../gateway/contract-sandbox/deployed-host.js';
import { readOperatorKey } from '../gateway/data-dir.js';
import { CliError, UsageError, intOption, readGenesis, urlOption } from './cli-support.js';
import { DEFAULT_BROKER, DEFAULT_HTTP } from './device-command.js';
import { submitAsOperator } from './operator-submit.js';

// The same gateway defaults as every command that talks to one.
export { DEFAULT_BROKER, DEFAULT_HTTP } from './device-command.js';

export interface ContractOptions {
  readonly data: string;
  readonly key?: string | undefined;
  readonly broker?: string | undefined;
  readonly http?: string | undefined;
  readonly seq?: string | undefined;
  readonly timeout?: string | undefined;
}

type Out = (line: string) => void;

interface Context {
  readonly chainId: Uint8Array;
  readonly signer: KeyPair;
  readonly signerId: Uint8Array;
  readonly broker: string;
  readonly http: string;
  readonly firstSeq: number | undefined;
  readonly timeoutMs: number;
}

export async function contractDeploy(crypto: CryptoProvider, options: ContractOptions, args: readonly string[], out: Out): Promise<number> {
  if (args.length !== 1) throw new UsageError(args.length === 0 ? 'give the contract\'s source file: contract deploy <file.js>' : `unexpected argument ${JSON.stringify(args[1])}`, 'contract deploy');
  const file = args[0]!;
  if (!existsSync(file)) throw new CliError(`no file ${file}`);
  const source = readFileSync(file, 'utf8');
  if (source.length === 0) throw new CliError(`${file} is empty`);
  const context = prepare(crypto, options);
  const body = deployBody(source);
  checkSize(crypto, context, body, `${file} (${Buffer.byteLength(source)} bytes)`);
  // The gateway's ack carries only a code: check the source here first, for its message.
  const sandbox = new ContractSandbox();
  let shape;
  try {
    shape = await sandbox.deploy(source);
  } catch (error) {
    if (error instanceof BotError) throw new CliError(`${file} is not a contract (${errorName(error.code)}): ${error.message}`);
    throw error;
  } finally {
    await sandbox.close();
  }
  const hash = contractHash(source);
  const code = await send(crypto, context, body, out);
  if (code !== 0) return 1;
  out(`contract ${hash}`);
  out(`  methods: ${shape.methods.join(', ') || '(none)'}`);
  out(`  queries: ${shape.queries.join(', ') || '(none)'}`);
  return 0;
}

export async function contractInvoke(crypto: CryptoProvider, options: ContractOptions, args: readonly string[], out: Out): Promise<number> {
  if (args.length < 2 || args.length > 3) throw new UsageError(args.length < 2 ? 'give the code hash and the method: contract invoke <hash> <method> [json]' : `unexpected argument ${JSON.stringify(args[3])}`, 'contract invoke');
  const [hash, method, json] = args as [string, string, string | undefined];
  const hex = hashOf(hash, 'contract invoke');
  const value = jsonOf(json, 'contract invoke');
  const context = prepare(crypto, options);
  const body = callBody(hex, method, value);
  checkSize(crypto, context, body, 'the call');
  return (await send(crypto, context, body, out)) === 0 ? 0 : 1;
}

export async function contractQuery(options: ContractOptions, args: readonly string[], out: Out): Promise<number> {
  if (args.length < 2 || args.length > 3) throw new UsageError(args.length < 2 ? 'give the code hash and the query: contract query <hash> <name> [json]' : `unexpected argument ${JSON.stringify(args[3])}`, 'contract query');
  const [hash, name, json] = args as [string, string, string | undefined];
  const hex = hashOf(hash, 'contract query');
  const value = jsonOf(json, 'contract query');
  const http = urlOption(options.http ?? DEFAULT_HTTP, '--http', ['http:', 'https:']);
  const timeoutMs = intOption(options.timeout, '--timeout', 10_000, 1, 3_600_000);
  const url = `${http}/contracts/${hex}/query/${encodeURIComponent(name)}?args=${encodeURIComponent(canonicalJson(value))}`;
  const body = await getJson(url, timeoutMs, http);
  if (body.status !== 200) throw new CliError(`query ${name} refused: ${body.json.code ?? body.status}: ${body.json.error ?? ''}`);
  out(JSON.stringify(body.json.result));
  return 0;
}

function hashOf(text: string, command: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new UsageError(`a code hash is 64 hex digits (as contract deploy printed it), got ${JSON.stringify(text.slice(0, 70))}`, command);
  return text.toLowerCase();
}

function jsonOf(text: string | undefined, command: string): unknown {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the arguments are not JSON: ${(error as Error).message}`, command);
  }
  try {
    canonicalJson(value);
  } catch (error) {
    throw new UsageError(`the arguments are not contract data: ${(error as Error).message}`, command);
  }
  return value;
}

function prepare(crypto: CryptoProvider, options: ContractOptions): Context {
  const broker = urlOption(options.broker ?? DEFAULT_BROKER, '--broker', ['mqtt:', 'mqtts:', 'tcp:']);
  const http = urlOption(options.http ?? DEFAULT_HTTP, '--http', ['http:', 'https:']);
  const firstSeq = options.seq === undefined ? undefined : intOption(options.seq, '--seq', 1, 1, Number.MAX_SAFE_INTEGER);
  const timeoutMs = intOption(options.timeout, '--timeout', 10_000, 1, 3_600_000);
  const { chainId } = readGenesis(crypto, options.data);
  const keyPath = options.key ?? join(options.data, 'keys', 'operator.key');
  if (!existsSync(keyPath)) throw new CliError(`no key at ${keyPath} (pass --key FILE)`);
  let signer: KeyPair;
  try {
    signer = readOperatorKey(crypto, keyPath);
  } catch (error) {
    throw new CliError(`${keyPath} holds no valid private key: ${(error as Error).message}`);
  }
  return { chainId, signer, signerId: keyId(crypto, signer.publicKey), broker, http, firstSeq, timeoutMs };
}

/** A transaction over TX_LIMITS would be refused unread (TOO_LARGE): say so here, with the size. */
function checkSize(crypto: CryptoProvider, context: Context, body: unknown, what: string): void {
  const tooLarge = (size: string) => new CliError(`${what} makes a ${size} transaction; a transaction holds at most ${TX_LIMITS.maxBytes} bytes (about 3,900 bytes of source)`);
  let wire: Uint8Array;
  try {
    wire = encodeTx(signTx(crypto, context.chainId, { kind: TxKind.INVOKE, sender: context.signerId, seq: Number.MAX_SAFE_INTEGER, time: Math.floor(Date.now() / 1000), body: body as never }, context.signer.privateKey));
  } catch (error) {
    // More than 16 chunks of source (or a body over a bound): it could never fit.
    if (error instanceof BotError) throw tooLarge('too large a');
    throw error;
  }
  if (wire.length > TX_LIMITS.maxBytes) throw tooLarge(`${wire.length}-byte`);
}

async function getJson(url: string, timeoutMs: number, http: string): Promise<{ status: number; json: any }> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new CliError(`cannot reach the gateway's HTTP API at ${http} (${cause}): pass --http URL`);
  }
  try {
    return { status: response.status, json: await response.json() };
  } catch {
    // Something answered, but not the gateway's API (which answers JSON, errors included).
    throw new CliError(`${url} answered ${response.status} without JSON: is ${http} the gateway's HTTP API? (pass --http URL)`);
  }
}

async function nextSeq(context: Context): Promise<number> {
  if (context.firstSeq !== undefined) return context.firstSeq;
  const id = bytesToHex(context.signerId);
  const { status, json } = await getJson(`${context.http}/registry/${id}`, context.timeoutMs, context.http);
  if (status === 404) throw new CliError(`account ${id} is not enrolled on this chain: enrol its key first, or sign with --key`);
  if (status !== 200 || typeof json.lastSeq !== 'number' || typeof json.pendingSeq !== 'number') throw new CliError(`unexpected answer from ${context.http}/registry/${id}`);
  return Math.max(json.lastSeq, json.pendingSeq) + 1;
}

/** Sends one INVOKE and waits for its verdict; prints the block it landed in, or why it was refused. */
async function send(crypto: CryptoProvider, context: Context, body: unknown, out: Out): Promise<number | undefined> {
  const [outcome] = await submitAsOperator(
    { crypto, chainId: context.chainId, operator: context.signer, brokerUrl: context.broker, firstSeq: await nextSeq(context), timeoutMs: context.timeoutMs, purpose: ' to send the transaction' },
    [{ kind: TxKind.INVOKE, body: body as never }],
  );
  const { seq, id, code } = outcome!;
  if (code === undefined) {
    out(`no verdict within ${context.timeoutMs} ms on tx ${bytesToHex(id)} (seq ${seq}): it may still be in a block later (--timeout)`);
    return undefined;
  }
  if (code !== 0) {
    out(`refused: ${errorName(code)} (${code})  seq ${seq}  tx ${bytesToHex(id)}  — nothing changed`);
    return code;
  }
  // OK comes with the inclusion proof: the block is written. Its height and hash from the HTTP API.
  const tx = await getJson(`${context.http}/tx/${bytesToHex(id)}`, context.timeoutMs, context.http).catch(() => undefined);
  const height = tx?.status === 200 ? (tx.json.height as number) : undefined;
  const block = height === undefined ? undefined : await getJson(`${context.http}/blocks/${height}`, context.timeoutMs, context.http).catch(() => undefined);
  const where = height === undefined ? 'in a block' : `in block ${height}${block?.status === 200 && block.json.hash ? ` (${block.json.hash})` : ''}`;
  out(`accepted ${where}  seq ${seq}  tx ${bytesToHex(id)}`);
  return 0;
}
