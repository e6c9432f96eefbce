// The explorer's use-case views (browser; part of the page's script): a supply-chain item's
// provenance (II.1) and a transport-credit balance (II.3), both verified here with the core.
//
// Provenance: GET /supply-chain/items/<hex>/provenance gives [answer, [lightBlock …]]. Each
// light block is checked by the page's own light client (browser-verifier.ts: from the
// checkpoint or the genesis, as for any other header; one the page verified already wins), then
// the answer by the core's verifyProvenance against those headers, with a cold-chain rule (every
// temperature strictly below the limit, 8 °C unless changed). A breach is a fact the answer
// proves, shown with its leg, device and value; an answer that does not verify is "proof refused".
//
// Balance: GET /transport/balances/<id> gives {height, value, proof}; the page checks it with the
// core's verifyBalance against the header at that height, which it verified itself.
//
// Deep links: #item=<hex> and #balance=<id>.

import {
  BotError, type ColdChainRule, type Header, Quantity, type VerifiedProvenance, bytesToHex, decodeCbor,
  decodeLightBlock, errorName, hexToBytes, provenanceAnswerFromCbor, verifyBalance, verifyProvenance, ErrorCode,
} from '../../src/index.js';
import { type BrowserVerifier, HeaderRefused } from './browser-verifier.js';
import { PROVENANCE_ENVELOPE_LIMITS, STEP_NAMES, decimal, parseColdChainRule } from './provenance-format.js';

const $ = (id: string) => document.getElementById(id)!;

export const DEFAULT_MAX_CELSIUS = '8';

/** Why a check failed: the error code's name when there is one. */
class Refused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

function refusal(error: unknown): Refused {
  if (error instanceof Refused) return error;
  if (error instanceof BotError || error instanceof HeaderRefused) return new Refused(errorName(error.code), error.message);
  return new Refused('NO_ANSWER', (error as Error).message);
}

/** A cold chain: every temperature strictly below `text` °C (8, 7.5, -18); undefined for an empty field. */
export function coldChainRule(text: string): ColdChainRule | undefined {
  if (text.trim() === '') return undefined;
  const rule = parseColdChainRule(text);
  if (!rule) throw new Refused('BAD_REQUEST', `the maximum temperature must be a number of °C like 8 or 7.5, not ${JSON.stringify(text)}`);
  return rule;
}

/** A gateway answers 503 BUSY while a block is being written (its state and newest header move together): ask again. */
async function fetchAnswer(url: string, init?: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, init);
    if (response.status !== 503 || attempt === 5) return response;
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

async function getBytes(url: string, what: string): Promise<Uint8Array> {
  const response = await fetchAnswer(url);
  if (response.status === 404) throw new Refused('NOT_FOUND', `no ${what} on this chain`);
  if (!response.ok) throw new Refused('NO_ANSWER', `${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Fetches and verifies an item's provenance; throws Refused. */
export async function proveProvenance(verifier: BrowserVerifier, itemHex: string, rule: ColdChainRule | undefined): Promise<{ verified: VerifiedProvenance; headers: number }> {
  if (!/^(?:[0-9a-fA-F]{2}){1,32}$/.test(itemHex)) throw new Refused('BAD_REQUEST', 'an item id is 1..32 bytes of hex');
  const itemId = hexToBytes(itemHex.toLowerCase());
  const bytes = await getBytes(`/supply-chain/items/${bytesToHex(itemId)}/provenance`, `item ${bytesToHex(itemId)}`);
  try {
    const envelope = decodeCbor(bytes, PROVENANCE_ENVELOPE_LIMITS);
    if (!Array.isArray(envelope) || envelope.length !== 2 || !Array.isArray(envelope[1])) throw new BotError(ErrorCode.BAD_SHAPE, 'not [answer, [lightBlock …]]');
    const answer = provenanceAnswerFromCbor(envelope[0]!);
    const blocks = (envelope[1] as unknown[]).map((b) => {
      if (!(b instanceof Uint8Array)) throw new BotError(ErrorCode.BAD_SHAPE, 'a light block is a byte string');
      return decodeLightBlock(b);
    });
    // Every header the answer leans on is verified by this page's light client, not taken from the answer.
    const headers = new Map<number, Header>();
    for (const block of blocks) headers.set(block.header.height, (await verifier.acceptLightBlock(block)).header);
    // A height the answer needs but sent no block for: the page fetches and verifies it (/blocks/<h>/light).
    for (const h of new Set([answer.height, ...answer.readings.map((r) => r.height)])) {
      if (!headers.has(h) && h >= 1 && h <= answer.height) headers.set(h, (await verifier.headerAt(h)).header);
    }
    const header = headers.get(answer.height)!;
    const result = verifyProvenance(verifier.crypto, itemId, answer, { chainId: verifier.chainId, header, headerAt: (h) => headers.get(h) }, rule);
    if (!result.ok) throw new Refused(errorName(result.code), result.reason);
    return { verified: result.value, headers: headers.size };
  } catch (error) {
    throw refusal(error);
  }
}

function setVerdict(box: HTMLElement, kind: 'held' | 'breach' | 'refused' | 'busy', title: string, detail?: string): void {
  // A breach is proved (amber), a refusal is not (red).
  box.className = `verdict ${kind === 'held' ? 'ok' : kind === 'busy' ? 'busy' : kind === 'breach' ? 'breach' : 'fail'}`;
  box.dataset['verdict'] = kind;
  box.textContent = title;
  if (detail) {
    const line = document.createElement('small');
    line.textContent = detail;
    box.append(line);
  }
}

function renderLegs(v: VerifiedProvenance, rule: ColdChainRule | undefined): void {
  const tbody = $('prov-steps') as HTMLTableSectionElement;
  tbody.replaceChildren();
  for (const leg of v.legs) {
    const row = tbody.insertRow();
    row.dataset['step'] = String(leg.n);
    const cells = [
      String(leg.n), STEP_NAMES[leg.step.method] ?? String(leg.step.method), bytesToHex(leg.step.to),
      `${leg.step.height} – ${leg.endHeight}`, leg.step.travellers.map(bytesToHex).join(', ') || '—',
    ];
    cells.forEach((text, i) => {
      const td = row.insertCell();
      td.textContent = text;
      if (i === 2 || i === 4) td.className = 'mono';
      td.style.whiteSpace = 'normal';
    });
    const readings = row.insertCell();
    readings.className = 'readings';
    readings.style.whiteSpace = 'normal';
    if (leg.values.length === 0) readings.textContent = 'no readings';
    for (const value of leg.values) {
      const span = document.createElement('span');
      const breach = leg.breaches.includes(value);
      span.className = breach ? 'reading breach' : 'reading';
      span.textContent = `${decimal(value.mantissa, value.scale)}${rule || value.quantity === Quantity.TEMPERATURE_C ? ' °C' : ''}`;
      span.title = `device ${bytesToHex(value.device)}, seq ${value.seq}, block ${value.height}, ${new Date(value.time * 1000).toISOString()}`;
      readings.append(span, ' ');
    }
  }
}

/** Checks item `itemHex` under the max temperature `maxText` and shows the result. */
async function showProvenance(verifier: BrowserVerifier, itemHex: string, maxText: string, isCurrent: () => boolean): Promise<void> {
  const box = $('prov-verdict');
  setVerdict(box, 'busy', 'verifying in your browser…');
  ($('prov-steps') as HTMLTableSectionElement).replaceChildren();
  let rule: ColdChainRule | undefined;
  try {
    rule = coldChainRule(maxText);
    const { verified: v, headers } = await proveProvenance(verifier, itemHex, rule);
    if (!isCurrent()) return;
    renderLegs(v, rule);
    const how = `verified in your browser: ${headers} header${headers === 1 ? '' : 's'} by this page's light client; the item and its ${v.legs.length} step${v.legs.length === 1 ? '' : 's'} by state proofs ` +
      `against block ${v.height}; ${v.readings} reading${v.readings === 1 ? '' : 's'} by inclusion proofs and their devices' signatures. ` +
      'Not provable: that the gateway left out no reading.';
    if (!rule) return setVerdict(box, 'held', `provenance proved ✓ (${v.legs.length} steps at block ${v.height}; no temperature limit)`, how);
    const limit = decimal(rule.limitMantissa, rule.limitScale);
    if (v.held) return setVerdict(box, 'held', `cold chain kept ✓ (every temperature below ${limit} °C; proved at block ${v.height})`, how);
    const breaches = v.legs.flatMap((leg) => leg.breaches.map((b) =>
      `leg ${leg.n} (held by ${bytesToHex(leg.step.to)}): device ${bytesToHex(b.device)} read ${decimal(b.mantissa, b.scale)} °C at block ${b.height}`));
    setVerdict(box, 'breach', `cold chain broken ✘ (${breaches.length} value${breaches.length === 1 ? '' : 's'} at or above ${limit} °C): ${breaches.join('; ')}`, how);
  } catch (error) {
    if (!isCurrent()) return;
    const refused = refusal(error);
    setVerdict(box, 'refused', refused.code === 'NOT_FOUND' || refused.code === 'BAD_REQUEST' || refused.code === 'NO_ANSWER' ? refused.message : `proof refused: ${refused.code}`, refused.message);
  }
}

/** Fetches and verifies an account's balance; throws Refused. */
export async function proveBalance(verifier: BrowserVerifier, accountHex: string): Promise<{ balance: number; height: number }> {
  if (!/^[0-9a-fA-F]{16}$/.test(accountHex)) throw new Refused('BAD_REQUEST', 'an account id is 8 bytes: 16 hex digits');
  const id = hexToBytes(accountHex.toLowerCase());
  const response = await fetchAnswer(`/transport/balances/${bytesToHex(id)}`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Refused('NO_ANSWER', `/transport/balances: HTTP ${response.status}`);
  const body = (await response.json()) as { height?: unknown; value?: unknown; proof?: unknown };
  const hex = (x: unknown) => typeof x === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(x);
  if (!Number.isSafeInteger(body.height) || (body.height as number) < 1 || !hex(body.proof) || (body.value !== null && !hex(body.value))) {
    throw new Refused(errorName(ErrorCode.BAD_SHAPE), 'the answer is not {height, value: hex or null, proof: hex}');
  }
  try {
    const header = (await verifier.headerAt(body.height as number)).header;
    const value = body.value === null ? undefined : hexToBytes((body.value as string).toLowerCase());
    const result = verifyBalance(verifier.crypto, header, id, { height: body.height as number, value, proof: hexToBytes((body.proof as string).toLowerCase()) });
    if (!result.ok) throw new Refused(errorName(result.code), result.reason);
    return result.value;
  } catch (error) {
    throw refusal(error);
  }
}

async function showBalance(verifier: BrowserVerifier, accountHex: string, isCurrent: () => boolean): Promise<void> {
  const box = $('balance-verdict');
  setVerdict(box, 'busy', 'proving in your browser…');
  try {
    const { balance, height } = await proveBalance(verifier, accountHex);
    if (!isCurrent()) return;
    setVerdict(box, 'held', `${balance} credit${balance === 1 ? '' : 's'} ✓ (proved at height ${height})`,
      `the ${balance === 0 ? 'non-membership' : 'membership'} proof of balance/${accountHex.toLowerCase()} rebuilds the stateRoot of header ${height}, which this page verified from the validators' commit`);
  } catch (error) {
    if (!isCurrent()) return;
    const refused = refusal(error);
    setVerdict(box, 'refused', refused.code === 'BAD_REQUEST' || refused.code === 'NO_ANSWER' ? refused.message : `proof refused: ${refused.code}`, refused.message);
  }
}

/** Wires the provenance and balance forms; `#item=<hex>` and `#balance=<id>` open one directly. */
export function setUpUseCaseViews(verifier: BrowserVerifier, hash: URLSearchParams): void {
  const item = $('prov-item') as HTMLInputElement;
  const max = $('prov-max') as HTMLInputElement;
  const account = $('balance-account') as HTMLInputElement;
  max.value ||= DEFAULT_MAX_CELSIUS;
  let provenanceTurn = 0;
  let balanceTurn = 0;
  const provenance = () => {
    const turn = ++provenanceTurn;
    void showProvenance(verifier, item.value.trim(), max.value, () => turn === provenanceTurn);
  };
  const balance = () => {
    const turn = ++balanceTurn;
    void showBalance(verifier, account.value.trim(), () => turn === balanceTurn);
  };
  ($('prov-form') as HTMLFormElement).onsubmit = (event) => {
    event.preventDefault();
    history.replaceState(null, '', `#item=${item.value.trim()}`);
    provenance();
  };
  ($('balance-form') as HTMLFormElement).onsubmit = (event) => {
    event.preventDefault();
    history.replaceState(null, '', `#balance=${account.value.trim()}`);
    balance();
  };
  const itemLink = hash.get('item');
  if (itemLink) {
    item.value = itemLink;
    provenance();
  }
  const balanceLink = hash.get('balance');
  if (balanceLink) {
    account.value = balanceLink;
    balance();
  }
}
