// The explorer page's script (browser; bundled by tools/gateway/explorer-assets.ts). Plain DOM,
// no framework: status and members, blocks live from /events, a transaction verified in the
// browser (browser-verifier.ts), devices with their state and readings as uPlot charts, the
// blocklist, the contracts and contract state proved in the browser (contract-views.ts), the use
// cases: an item's provenance and a credit balance verified in the browser (use-case-views.ts),
// and the deployed contracts with their (unproved) queries (deployed-views.ts).
// Everything is read from the gateway's read-only routes.
//
// Deep links: #tx=<id> opens a transaction, #device=<id> a device's readings (and proves it
// enrolled and not blocked), #state=<namespace>/<key> a state lookup, #item=<hex> a provenance,
// #balance=<id> a balance. Without them the page
// opens the newest transaction and the first device with readings by itself, so a visitor sees
// a verdict and a chart without clicking anything.

import uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css';
import { BrowserVerifier } from './browser-verifier.js';
import { setUpStateLookup, showContracts, showDeviceProofs } from './contract-views.js';
import { setUpQueryForm, showDeployed } from './deployed-views.js';
import { setUpUseCaseViews } from './use-case-views.js';

interface Status { chainId: string; name: string; height: number; pending: number; transactions: number; permission: string; genesisTime: string; validators: { threshold: number; ids: string[] }; operator: string; mqtt?: string }
interface BlockJson { height: number; hash: string; time: string; timeMs: number; txCount: number; txIds: string[] }
interface Account { id: string; role: string; status: string; lastSeq: number; committed: boolean }
interface BlockEntry { id: string; reason: string; reporter: string; height: number }
interface Reading { quantity: string; unit: string; timeSeconds: number; value: number }
interface TxJson { id: string; height: number; index: number; kind: string; sender: string; seq: number; time: string; size: number; body: Record<string, unknown> }

const $ = (id: string) => document.getElementById(id)!;
const short = (hex: string) => `${hex.slice(0, 10)}…`;
const BLOCKS_SHOWN = 30;

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function cell(row: HTMLTableRowElement, text: string, className?: string): HTMLTableCellElement {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

const style = document.createElement('style');
style.textContent = uPlotCss;
document.head.append(style);

let verifier: BrowserVerifier;
let selectedBlock: number | undefined;
let selectedTx: string | undefined;
let selectedDevice: string | undefined;
const blockRows = new Map<number, HTMLTableRowElement>();
let newestHeight = 0;

async function refreshStatus(): Promise<Status> {
  const s = await getJson<Status>('/status');
  $('height').textContent = String(s.height);
  $('pending').textContent = String(s.pending);
  $('tx-count').textContent = String(s.transactions);
  return s;
}

async function addBlock(height: number): Promise<BlockJson | undefined> {
  if (height < 1 || blockRows.has(height)) return undefined;
  const block = await getJson<BlockJson>(`/blocks/${height}`);
  const tbody = $('blocks') as HTMLTableSectionElement;
  const row = document.createElement('tr');
  row.className = 'pick';
  row.dataset['height'] = String(height);
  cell(row, String(height));
  cell(row, new Date(block.timeMs).toLocaleTimeString());
  cell(row, String(block.txCount));
  cell(row, short(block.hash), 'mono');
  row.onclick = () => void showBlock(height);
  // Newest first: insert before the first row with a lower height.
  const after = [...tbody.rows].find((r) => Number(r.dataset['height']) < height);
  tbody.insertBefore(row, after ?? null);
  blockRows.set(height, row);
  while (tbody.rows.length > BLOCKS_SHOWN) {
    const last = tbody.rows[tbody.rows.length - 1]!;
    blockRows.delete(Number(last.dataset['height']));
    last.remove();
  }
  return block;
}

async function showBlock(height: number): Promise<BlockJson> {
  selectedBlock = height;
  for (const [h, row] of blockRows) row.classList.toggle('selected', h === height);
  const block = await getJson<BlockJson>(`/blocks/${height}`);
  $('block-title').textContent = `${height} (${block.txCount})`;
  const tbody = $('block-txs') as HTMLTableSectionElement;
  tbody.replaceChildren();
  block.txIds.forEach((id, i) => {
    const row = tbody.insertRow();
    row.className = 'pick';
    cell(row, String(i));
    cell(row, id, 'mono');
    row.onclick = () => void showTx(id);
  });
  if (block.txIds.length === 0) cell(tbody.insertRow(), 'no transactions (a heartbeat block)', 'muted');
  return block;
}

function bodySummary(tx: TxJson): string {
  const series = tx.body['series'] as { quantity: string; unit: string; readings: { value: number }[] }[] | undefined;
  if (series) return series.map((s) => `${s.quantity}: ${s.readings.map((r) => r.value).join(', ')} ${s.unit}`).join('; ');
  return JSON.stringify(tx.body);
}

async function showTx(id: string): Promise<void> {
  selectedTx = id;
  history.replaceState(null, '', `#tx=${id}`);
  const verdict = $('verdict');
  verdict.className = 'verdict busy';
  verdict.textContent = 'verifying in your browser…';
  const detail = $('tx-detail');
  detail.replaceChildren();
  let tx: TxJson | undefined;
  try {
    tx = await getJson<TxJson>(`/tx/${id}`);
  } catch (error) {
    detail.textContent = (error as Error).message;
  }
  if (tx && selectedTx === id) {
    const table = document.createElement('table');
    const rows: [string, string][] = [
      ['id', tx.id], ['block', `${tx.height} (leaf ${tx.index})`], ['kind', tx.kind], ['sender', tx.sender], ['seq', String(tx.seq)],
      ['time', tx.time], ['size', `${tx.size} bytes`], ['body', bodySummary(tx)],
    ];
    for (const [name, value] of rows) {
      const row = table.insertRow();
      cell(row, name, 'muted');
      const td = cell(row, value, 'mono');
      td.style.whiteSpace = 'normal';
      td.style.wordBreak = 'break-all';
    }
    detail.replaceChildren(table);
  }
  const result = await verifier.verifyTx(id);
  if (selectedTx !== id) return; // another one was picked meanwhile
  verdict.className = `verdict ${result.ok ? 'ok' : 'fail'}`;
  verdict.textContent = result.ok ? `✔ ${result.summary}` : `✘ ${result.summary}`;
  for (const step of result.steps) {
    const line = document.createElement('small');
    line.textContent = `✓ ${step}`;
    verdict.append(line);
  }
  $('verified-height').textContent = String(verifier.verifiedHeight);
}

async function refreshDevices(): Promise<Account[]> {
  const [accounts, blocked] = await Promise.all([getJson<Account[]>('/registry'), getJson<BlockEntry[]>('/blocklist')]);
  const blockedIds = new Set(blocked.map((b) => b.id));
  // Last seen: the time of each device's newest reading in the ledger (the first 50 devices).
  await Promise.all(accounts.filter((a) => a.role === 'DEVICE').slice(0, 50).map(async (a) => {
    const { readings } = await getJson<{ readings: Reading[] }>(`/devices/${a.id}/readings?limit=1`);
    if (readings[0]) lastSeen.set(a.id, new Date(readings[0].timeSeconds * 1000).toLocaleTimeString());
  }));
  const tbody = $('devices') as HTMLTableSectionElement;
  tbody.replaceChildren();
  for (const a of accounts) {
    const row = tbody.insertRow();
    row.className = 'pick';
    if (a.id === selectedDevice) row.classList.add('selected');
    row.dataset['device'] = a.id;
    const state = blockedIds.has(a.id) ? 'blocked' : a.status === 'REVOKED' ? 'revoked' : a.committed ? 'enrolled' : 'enrolling';
    cell(row, a.id, 'mono');
    cell(row, a.role.toLowerCase());
    cell(row, state, `state-${state === 'enrolled' ? 'active' : state}`);
    cell(row, String(a.lastSeq));
    cell(row, lastSeen.get(a.id) ?? '');
    row.onclick = () => void showDevice(a.id);
  }
  const list = $('blocklist') as HTMLTableSectionElement;
  list.replaceChildren();
  for (const b of blocked) {
    const row = list.insertRow();
    cell(row, b.id, 'mono');
    cell(row, b.reason.toLowerCase());
    cell(row, short(b.reporter), 'mono');
    cell(row, String(b.height));
  }
  if (blocked.length === 0) cell(list.insertRow(), 'no device is blocked', 'muted');
  return accounts;
}

const lastSeen = new Map<string, string>();
const charts: uPlot[] = [];

async function showDevice(id: string): Promise<number> {
  selectedDevice = id;
  for (const row of ($('devices') as HTMLTableSectionElement).rows) row.classList.toggle('selected', row.dataset['device'] === id);
  $('device-title').textContent = id;
  void showDeviceProofs(verifier, id);
  const { readings } = await getJson<{ readings: Reading[] }>(`/devices/${id}/readings?limit=1000`);
  if (readings[0]) lastSeen.set(id, new Date(readings[0].timeSeconds * 1000).toLocaleTimeString());
  const byQuantity = new Map<string, Reading[]>();
  for (const r of readings) byQuantity.set(r.quantity, [...(byQuantity.get(r.quantity) ?? []), r]);
  for (const chart of charts.splice(0)) chart.destroy();
  const box = $('charts');
  box.replaceChildren();
  if (readings.length === 0) box.textContent = 'no readings from this account';
  const width = Math.max(300, box.clientWidth - 8);
  const colours = ['#d9480f', '#1971c2', '#2b8a3e', '#862e9c'];
  [...byQuantity].forEach(([quantity, rs], i) => {
    rs.sort((a, b) => a.timeSeconds - b.timeSeconds);
    const holder = document.createElement('div');
    holder.className = 'chart';
    holder.dataset['points'] = String(rs.length);
    box.append(holder);
    // TEMPERATURE_C → "temperature (°C)": the unit is said once, by its symbol.
    const name = quantity.includes('_') ? quantity.slice(0, quantity.lastIndexOf('_')) : quantity;
    const unit = rs[0]!.unit;
    const label = `${name.toLowerCase().replace(/_/g, ' ')}${unit ? ` (${unit})` : ''}`;
    charts.push(new uPlot(
      { width, height: 150, title: label, legend: { show: false }, series: [{}, { label, stroke: colours[i % colours.length]!, width: 2 }] },
      [rs.map((r) => r.timeSeconds), rs.map((r) => r.value)],
      holder,
    ));
  });
  return readings.length;
}

/** Follows the chain: the height advances, the new block is listed and its header verified here. */
function follow(): void {
  const events = new EventSource('/events');
  events.addEventListener('open', () => ($('live').textContent = '(live)'));
  events.addEventListener('error', () => ($('live').textContent = '(reconnecting…)'));
  events.addEventListener('block', (event) => {
    const { height } = JSON.parse((event as MessageEvent<string>).data) as { height: number };
    void onHeight(height);
  });
}

let chartRefreshAt = 0;
async function onHeight(height: number): Promise<void> {
  if (height <= newestHeight) return;
  const from = Math.max(newestHeight + 1, height - BLOCKS_SHOWN + 1);
  newestHeight = height;
  $('height').textContent = String(height);
  // All at once (each row goes in its place): a first load lists 30 blocks in one round trip.
  const heights = Array.from({ length: height - from + 1 }, (_, i) => height - i);
  await Promise.all(heights.map((h) => addBlock(h).catch((error: unknown) => console.warn(`block ${h}: ${(error as Error).message}`))));
  await verifier.advance(height).then(
    () => ($('verified-height').textContent = String(verifier.verifiedHeight)),
    (error: unknown) => ($('verified-height').textContent = `failed: ${(error as Error).message}`),
  );
  void refreshStatus();
  // Charts and devices follow the chain, at most every 2 s.
  if (Date.now() - chartRefreshAt > 2000) {
    chartRefreshAt = Date.now();
    await refreshDevices();
    if (selectedDevice) await showDevice(selectedDevice);
    void showDeployed().catch((error: unknown) => console.warn(`deployed contracts: ${(error as Error).message}`));
  }
  if (selectedTx === undefined) await openNewestTx();
  if (selectedDevice === undefined) await openFirstDevice();
}

async function openNewestTx(): Promise<void> {
  for (let h = newestHeight; h >= Math.max(1, newestHeight - BLOCKS_SHOWN); h--) {
    const block = await getJson<BlockJson>(`/blocks/${h}`);
    if (block.txIds.length > 0 && selectedTx === undefined) {
      await showBlock(h);
      await showTx(block.txIds[block.txIds.length - 1]!);
      return;
    }
  }
}

async function openFirstDevice(): Promise<void> {
  const accounts = await getJson<Account[]>('/registry');
  for (const a of accounts.filter((x) => x.role === 'DEVICE')) {
    if (selectedDevice !== undefined) return;
    if ((await showDevice(a.id)) > 0) return;
  }
  selectedDevice = undefined;
}

async function main(): Promise<void> {
  verifier = await BrowserVerifier.load();
  const status = await refreshStatus();
  $('chain-id').textContent = status.chainId;
  $('chain-name').textContent = `"${status.name}" (${status.permission})`;
  $('chain-info').textContent = `genesis ${status.genesisTime}; validators ${status.validators.ids.join(', ')} (threshold ${status.validators.threshold}); ` +
    `operator ${status.operator}${status.mqtt ? `; devices connect to ${status.mqtt}` : ''}; headers and proofs on this page are checked ` +
    `by the botpeer core running in your browser, anchored at ${verifier.anchor} (genesis: ${verifier.genesisBytes.length} bytes).`;
  $('anchor').textContent = verifier.anchor;
  if (verifier.anchorNote) $('chain-info').textContent += ` ${verifier.anchorNote}`;
  $('verified-height').textContent = String(verifier.verifiedHeight);
  const hash = new URLSearchParams(location.hash.slice(1));
  const tx = hash.get('tx');
  const device = hash.get('device');
  if (tx) await showTx(tx);
  if (device) await showDevice(device);
  await showContracts().catch((error: unknown) => ($('contracts').textContent = (error as Error).message));
  await showDeployed().catch((error: unknown) => ($('deployed').textContent = (error as Error).message));
  setUpStateLookup(verifier, hash.get('state') ?? undefined);
  setUpUseCaseViews(verifier, hash);
  setUpQueryForm();
  await refreshDevices();
  follow();
  await onHeight(status.height);
  if (selectedBlock === undefined && newestHeight > 0) await showBlock(newestHeight);
}

main().catch((error: unknown) => {
  $('verdict').className = 'verdict fail';
  $('verdict').textContent = `the explorer could not start: ${(error as Error).message}`;
});
