// Asking a gateway for an item's provenance, or an account's credit balance, and verifying it
// (tools layer, Node): what `botpeer provenance`, `botpeer balance` and the supply-chain demo run. The gateway is not trusted: the light
// blocks it sends are verified from the chain's genesis (the newest by skipping verification,
// §8.3, the others below it, §8.7), then the answer by the core's verifyProvenance (§13.1.4).
// It needs the validator set unchanged since the genesis (a private chain, or a consortium
// that has not changed members): a changed set is reported, not followed.

import {
  type ColdChainRule, applyHeader, type CryptoProvider, type Genesis, type Header, type VerifiedProvenance, bytesToHex,
  decodeCbor, decodeLightBlock, errorName, makeTrustOptions, provenanceAnswerFromCbor, trustFromGenesis, verifyHeader, verifyPastHeader,
  verifyProvenance, verifyBalance, hexToBytes,
} from '../../src/index.js';
import { PROVENANCE_ENVELOPE_LIMITS, STEP_NAMES, decimal, parseColdChainRule } from '../explorer/provenance-format.js';
import { CliError } from './cli-support.js';

/** A cold chain: every temperature strictly below `maxCelsius` (an integer or one with decimals, as text). */
export function coldChainRule(maxCelsius: string): ColdChainRule {
  const rule = parseColdChainRule(maxCelsius);
  if (!rule) throw new CliError(`--max-temp must be a number of °C like 8 or 7.5, got ${JSON.stringify(maxCelsius)}`);
  return rule;
}

/** A balance answer is a few hundred bytes of JSON; a light block at most 8 KiB (HEADER_LIMITS): room to spare. */
const MAX_SMALL_ANSWER_BYTES = 64 * 1024;

/**
 * GET `url` (on the gateway at `http`): its body, at most `maxBytes` (the gateway is not trusted:
 * a longer body is refused as it streams in, not read whole first). Throws CliError.
 */
async function fetchBody(url: string, http: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new CliError(`cannot reach the gateway at ${http}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new CliError(`the gateway answered ${response.status} for ${url}: ${body.error ?? ''}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw new CliError(`the gateway's answer to ${url} is ${declared} bytes, more than the ${maxBytes} it can be`);
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of response.body ?? []) {
      length += chunk.length;
      if (length > maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new CliError(`the gateway's answer to ${url} is more than the ${maxBytes} bytes it can be`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`the gateway at ${http} stopped answering ${url}: ${(error as Error).message}`);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** A ledger's blocks are checked long after they were made: the trust period spans the chain's age (as `botpeer verify`). */
function ledgerTrust(genesis: Genesis, now: number) {
  return makeTrustOptions({ trustPeriodMs: Math.max(0, now - genesis.time) + 24 * 3600_000 });
}

/** Fetches `/supply-chain/items/<id>/provenance` from `http` and verifies all of it. Throws CliError. */
export async function fetchProvenance(
  crypto: CryptoProvider, genesis: Genesis, chainId: Uint8Array, http: string, itemId: Uint8Array, rule: ColdChainRule | undefined, timeoutMs = 10_000, now = Date.now(),
): Promise<VerifiedProvenance> {
  const bytes = await fetchBody(`${http}/supply-chain/items/${bytesToHex(itemId)}/provenance`, http, timeoutMs, PROVENANCE_ENVELOPE_LIMITS.maxBytes);
  let answerValue, lightBlocks;
  try {
    const envelope = decodeCbor(bytes, PROVENANCE_ENVELOPE_LIMITS);
    if (!Array.isArray(envelope) || envelope.length !== 2 || !Array.isArray(envelope[1])) throw new Error('not [answer, [lightBlock …]]');
    answerValue = provenanceAnswerFromCbor(envelope[0]!);
    lightBlocks = (envelope[1] as unknown[]).map((b) => {
      if (!(b instanceof Uint8Array)) throw new Error('a light block is a byte string');
      return decodeLightBlock(b);
    });
  } catch (error) {
    throw new CliError(`the gateway's answer does not decode: ${(error as Error).message}`);
  }
  const [newest, ...past] = lightBlocks;
  if (!newest) throw new CliError('the answer has no light block');
  const trust = ledgerTrust(genesis, now);
  const verified = verifyHeader(crypto, trustFromGenesis(crypto, genesis), newest, now, trust);
  if (!verified.ok) throw new CliError(`the newest header does not verify: ${errorName(verified.code)}: ${verified.reason}`);
  const trusted = applyHeader(trustFromGenesis(crypto, genesis), verified.value);
  const headers = new Map<number, Header>([[newest.header.height, newest.header]]);
  for (const block of past) {
    const ok = verifyPastHeader(crypto, trusted, block, now, trust);
    if (!ok.ok) throw new CliError(`the header at height ${block.header.height} does not verify: ${errorName(ok.code)}: ${ok.reason}`);
    headers.set(block.header.height, block.header);
  }
  const result = verifyProvenance(crypto, itemId, answerValue, { chainId, header: newest.header, headerAt: (h) => headers.get(h) }, rule);
  if (!result.ok) throw new CliError(`the provenance answer does not verify: ${errorName(result.code)}: ${result.reason}`);
  return result.value;
}

/** Lines for a person: each step, its leg's readings, the breaches. */
export function provenanceLines(v: VerifiedProvenance, itemText: string, rule: ColdChainRule | undefined): string[] {
  const lines = [`item ${itemText}: ${v.legs.length} steps, ${v.readings} readings, every step proven against block ${v.height}`];
  for (const leg of v.legs) {
    const travellers = leg.step.travellers.map(bytesToHex).join(', ') || 'none';
    lines.push(`  step ${leg.n}: ${STEP_NAMES[leg.step.method]} ${bytesToHex(leg.step.to)} at block ${leg.step.height} (until ${leg.endHeight}; travelling: ${travellers})`);
    if (leg.values.length > 0) {
      const of = (x: (typeof leg.values)[number]) => x.mantissa * 10 ** x.scale;
      const low = leg.values.reduce((a, b) => (of(b) < of(a) ? b : a));
      const high = leg.values.reduce((a, b) => (of(b) > of(a) ? b : a));
      lines.push(`    ${leg.values.length} value${leg.values.length === 1 ? '' : 's'}, ${decimal(low.mantissa, low.scale)} .. ${decimal(high.mantissa, high.scale)}`);
    }
    for (const b of leg.breaches) {
      lines.push(`    BREACH: ${decimal(b.mantissa, b.scale)} °C by device ${bytesToHex(b.device)} (seq ${b.seq}, block ${b.height}, ${new Date(b.time * 1000).toISOString()}) while held by ${bytesToHex(leg.step.to)}`);
    }
  }
  if (rule) {
    const limit = decimal(rule.limitMantissa, rule.limitScale);
    lines.push(v.held ? `cold chain held: every temperature below ${limit} °C` : `cold chain BROKEN: ${v.legs.reduce((n, l) => n + l.breaches.length, 0)} values at or above ${limit} °C`);
  }
  return lines;
}

/** Fetches `/transport/balances/<id>` and the light block of its height, verifies both from the genesis (§13.2.3). Throws CliError. */
export async function fetchBalance(
  crypto: CryptoProvider, genesis: Genesis, http: string, accountId: Uint8Array, timeoutMs = 10_000, now = Date.now(),
): Promise<{ balance: number; height: number }> {
  let body: { height?: unknown; value?: unknown; proof?: unknown };
  try {
    body = JSON.parse(new TextDecoder().decode(await fetchBody(`${http}/transport/balances/${bytesToHex(accountId)}`, http, timeoutMs, MAX_SMALL_ANSWER_BYTES)));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`the gateway's balance answer is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || typeof body.height !== 'number' || typeof body.proof !== 'string' || (body.value !== null && typeof body.value !== 'string')) {
    throw new CliError('unexpected balance answer');
  }
  const lightBytes = await fetchBody(`${http}/blocks/${body.height}/light`, http, timeoutMs, MAX_SMALL_ANSWER_BYTES);
  let light;
  try {
    light = decodeLightBlock(lightBytes);
  } catch (error) {
    throw new CliError(`the light block does not decode: ${(error as Error).message}`);
  }
  const header = verifyHeader(crypto, trustFromGenesis(crypto, genesis), light, now, ledgerTrust(genesis, now));
  if (!header.ok) throw new CliError(`the header at height ${body.height} does not verify: ${errorName(header.code)}: ${header.reason}`);
  let value: Uint8Array | undefined;
  let proof: Uint8Array;
  try {
    value = body.value === null ? undefined : hexToBytes(body.value as string);
    proof = hexToBytes(body.proof);
  } catch {
    throw new CliError('the balance answer holds malformed hex');
  }
  const verified = verifyBalance(crypto, light.header, accountId, { height: body.height, value, proof });
  if (!verified.ok) throw new CliError(`the balance does not verify: ${errorName(verified.code)}: ${verified.reason}`);
  return verified.value;
}
