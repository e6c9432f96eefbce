// `botpeer device enroll|revoke` (tools layer): the operator's side of the device
// registry. Signs ENROLL / REVOKE transactions with the operator key, publishes them
// to the gateway over MQTT as the operator (client id = the operator's 16-hex id, the
// only tool the embedded broker lets publish transactions), and waits for each ack.
//
// Sequence numbers continue the operator account's: the gateway's HTTP API says
// lastSeq (in blocks) and pendingSeq (admitted, not yet in a block); the next is
// max of both + 1. Without the HTTP API, --seq gives it, or the local ledger is read.

import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BotError, type CryptoProvider, type KeyPair, Role, TxKind, type UnsignedTx, bytesToHex, deviceBody, enrollBody, equalBytes, errorName,
  generateKeyPair, hexToBytes, keyId, openEnrollRequest,
} from '../../src/index.js';
import { readOperatorKey } from '../gateway/data-dir.js';
import { parseAccountId, RequestError } from '../gateway/ledger-json.js';
import { CliError, UsageError, intOption, openLedger, readGenesis, urlOption } from './cli-support.js';
import { type OperatorOutcome, submitAsOperator } from './operator-submit.js';

export const DEFAULT_BROKER = 'mqtt://127.0.0.1:1883';
export const DEFAULT_HTTP = 'http://127.0.0.1:8080';
const MAX_COUNT = 10_000;

/** Stay well inside the gateway's per-sender rate limit (burst 200, 50/s by default). */
const CLIENT_BURST = 100;
const CLIENT_PER_SECOND = 40;

export interface DeviceOptions {
  readonly data: string;
  readonly operatorKey?: string | undefined;
  readonly broker?: string | undefined;
  readonly http?: string | undefined;
  readonly seq?: string | undefined;
  readonly timeout?: string | undefined;
  readonly role?: string | undefined;
  readonly new?: boolean | undefined;
  readonly count?: string | undefined;
}

interface Item {
  /** The device the transaction is about. */
  readonly device: Uint8Array;
  readonly body: UnsignedTx['body'];
  /** For --new: the key file written for it just before its enrolment is sent (removed again if it is rejected). */
  readonly keyFile?: string;
  readonly beforeSend?: () => void;
}

interface Outcome extends OperatorOutcome {
  readonly item: Item;
}

type Out = (line: string) => void;

export async function deviceEnroll(crypto: CryptoProvider, options: DeviceOptions, requests: readonly string[], out: Out): Promise<number> {
  if (options.new && requests.length > 0) throw new UsageError('give enrolment requests or --new, not both', 'device enroll');
  if (!options.new && requests.length === 0) throw new UsageError('give an enrolment request (hex, as the device prints it) or --new', 'device enroll');
  if (!options.new && options.count !== undefined) throw new UsageError('--count goes with --new', 'device enroll');
  const role = options.role === undefined || options.role === 'device' ? Role.DEVICE : options.role === 'gateway' ? Role.GATEWAY : undefined;
  if (role === undefined) throw new UsageError(`--role must be device or gateway, got ${JSON.stringify(options.role)}`, 'device enroll');
  for (const text of requests) {
    if (!/^([0-9a-fA-F]{2})+$/.test(text)) throw new UsageError(`an enrolment request is hex, got ${JSON.stringify(text.slice(0, 40))}`, 'device enroll');
  }
  const count = options.new ? intOption(options.count, '--count', 1, 1, MAX_COUNT) : 0;
  const context = prepare(crypto, options);

  const keys: { publicKey: Uint8Array; pair?: KeyPair }[] = [];
  if (options.new) {
    for (let i = 0; i < count; i++) {
      const pair = generateKeyPair(crypto, (n) => new Uint8Array(randomBytes(n)));
      keys.push({ publicKey: pair.publicKey, pair });
    }
  } else {
    for (const text of requests) {
      try {
        keys.push({ publicKey: openEnrollRequest(crypto, context.chainId, hexToBytes(text.toLowerCase())).publicKey });
      } catch (error) {
        if (error instanceof BotError) throw new CliError(`enrolment request ${text.slice(0, 16)}… refused: ${error.message}`);
        throw error;
      }
    }
  }

  const items: Item[] = [];
  const seen = new Set<string>();
  for (const { publicKey, pair } of keys) {
    const device = keyId(crypto, publicKey);
    const hex = bytesToHex(device);
    if (seen.has(hex)) throw new CliError(`device ${hex} is requested twice`);
    seen.add(hex);
    if (pair) {
      const dir = join(options.data, 'devices');
      const keyFile = join(dir, `${hex}.key`);
      // Written before the enrolment is sent, so an enrolled device always has its key.
      const beforeSend = () => {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        writeFileSync(keyFile, bytesToHex(pair.privateKey) + '\n', { mode: 0o600 });
        chmodSync(keyFile, 0o600);
      };
      items.push({ device, body: enrollBody(publicKey, role), keyFile, beforeSend });
    } else {
      items.push({ device, body: enrollBody(publicKey, role) });
    }
  }

  const outcomes = await submit(crypto, context, TxKind.ENROLL, items);
  // A rejected device is not enrolled: its key is useless. One without an ack may still be enrolled: keep it.
  for (const o of outcomes) {
    if (o.code !== undefined && o.code !== 0 && o.item.keyFile && existsSync(o.item.keyFile)) rmSync(o.item.keyFile);
  }
  return report(outcomes, 'enrolled', out);
}

export async function deviceRevoke(crypto: CryptoProvider, options: DeviceOptions, ids: readonly string[], out: Out): Promise<number> {
  if (ids.length === 0) throw new UsageError('give the id of the device to revoke (16 hex digits)', 'device revoke');
  if (options.new || options.count !== undefined || options.role !== undefined) throw new UsageError('--new, --count and --role go with enroll', 'device revoke');
  const items = ids.map((text) => {
    try {
      const device = parseAccountId(text);
      return { device, body: deviceBody(device) };
    } catch (error) {
      if (error instanceof RequestError) throw new UsageError(error.message, 'device revoke');
      throw error;
    }
  });
  const context = prepare(crypto, options);
  return report(await submit(crypto, context, TxKind.REVOKE, items), 'revoked', out);
}

interface Context {
  readonly chainId: Uint8Array;
  readonly operator: KeyPair;
  readonly operatorId: Uint8Array;
  readonly broker: string;
  readonly http: string;
  readonly firstSeq: number | undefined;
  readonly timeoutMs: number;
  readonly data: string;
}

function prepare(crypto: CryptoProvider, options: DeviceOptions): Context {
  const broker = urlOption(options.broker ?? DEFAULT_BROKER, '--broker', ['mqtt:', 'mqtts:', 'tcp:']);
  const http = urlOption(options.http ?? DEFAULT_HTTP, '--http', ['http:', 'https:']);
  const firstSeq = options.seq === undefined ? undefined : intOption(options.seq, '--seq', 1, 1, Number.MAX_SAFE_INTEGER);
  const timeoutMs = intOption(options.timeout, '--timeout', 10_000, 1, 3_600_000);
  const { chainId, genesis } = readGenesis(crypto, options.data);
  const keyPath = options.operatorKey ?? join(options.data, 'keys', 'operator.key');
  if (!existsSync(keyPath)) throw new CliError(`no operator key at ${keyPath} (pass --operator-key FILE)`);
  let operator: KeyPair;
  try {
    operator = readOperatorKey(crypto, keyPath);
  } catch (error) {
    throw new CliError(`${keyPath} holds no valid private key: ${(error as Error).message}`);
  }
  if (!equalBytes(operator.publicKey, genesis.operatorKey)) throw new CliError(`${keyPath} is not this chain's operator key`);
  return { chainId, operator, operatorId: keyId(crypto, operator.publicKey), broker, http, firstSeq, timeoutMs, data: options.data };
}

/** The operator's next sequence number: from the gateway's HTTP API, else from the local ledger. */
async function nextSeq(context: Context): Promise<number> {
  if (context.firstSeq !== undefined) return context.firstSeq;
  const operatorHex = bytesToHex(context.operatorId);
  const url = `${context.http}/registry/${operatorHex}`;
  let httpError: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(context.timeoutMs) });
    const body = (await response.json()) as { lastSeq?: unknown; pendingSeq?: unknown; error?: string };
    if (!response.ok) throw new CliError(`the gateway at ${context.http} answered ${response.status} for the operator account: ${body.error ?? ''}`);
    if (typeof body.lastSeq !== 'number' || typeof body.pendingSeq !== 'number') throw new CliError(`unexpected answer from ${url}`);
    return Math.max(body.lastSeq, body.pendingSeq) + 1;
  } catch (error) {
    if (error instanceof CliError) throw error;
    httpError = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
  }
  // No HTTP API: the ledger on this machine knows the committed and the durable pending transactions.
  if (existsSync(join(context.data, 'ledger.sqlite'))) {
    const store = openLedger(context.data);
    try {
      const account = store.accounts().find((a) => equalBytes(a.id, context.operatorId));
      let seq = account?.lastSeq ?? 0;
      for (const p of store.pending()) if (equalBytes(p.sender, context.operatorId)) seq = Math.max(seq, p.seq);
      return seq + 1;
    } finally {
      store.close();
    }
  }
  throw new CliError(`cannot ask the gateway for the operator's sequence number at ${context.http} (${httpError}): pass --http URL or --seq N`);
}

async function submit(crypto: CryptoProvider, context: Context, kind: TxKind, items: readonly Item[]): Promise<Outcome[]> {
  const outcomes = await submitAsOperator(
    {
      crypto, chainId: context.chainId, operator: context.operator, brokerUrl: context.broker, firstSeq: await nextSeq(context),
      timeoutMs: context.timeoutMs, burst: CLIENT_BURST, perSecond: CLIENT_PER_SECOND,
    },
    items.map((item) => ({ kind, body: item.body, ...(item.beforeSend ? { beforeSend: item.beforeSend } : {}) })),
  );
  return outcomes.map((o, i) => ({ item: items[i]!, ...o }));
}

function report(outcomes: readonly Outcome[], verb: string, out: Out): number {
  let failed = 0;
  for (const o of outcomes) {
    const device = bytesToHex(o.item.device);
    if (o.code === 0) {
      out(`${device}  ${verb}: accepted  seq ${o.seq}  tx ${bytesToHex(o.id)}${o.item.keyFile ? `  key ${o.item.keyFile}` : ''}`);
    } else {
      failed++;
      const kept = o.code === undefined && o.item.keyFile ? `  key kept at ${o.item.keyFile} (it may still be enrolled)` : '';
      out(`${device}  not ${verb}: ${o.code === undefined ? 'no acknowledgement (timed out)' : errorName(o.code)}  seq ${o.seq}${kept}`);
    }
  }
  const accepted = outcomes.length - failed;
  out(`${accepted} accepted, ${failed} not${accepted > 0 ? ' (accepted = durable at the gateway; in a block within a block interval)' : ''}`);
  return failed === 0 ? 0 : 1;
}

