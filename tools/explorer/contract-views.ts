// The explorer's contract views (browser; part of the page's script): the registered contracts
// (/contracts), a state lookup (a contract or a raw namespace, and a key) whose answer is
// verified here (state-verifier.ts), and a device's "enrolled" and "not blocked" facts, each
// proved against a header this page verified. Generic over contracts: any contract the gateway
// lists can be looked up by its namespace; only the registry and the blocklist are put in words.

import { ContractId, bytesToHex, contractNamespace } from '../../src/index.js';
import type { BrowserVerifier } from './browser-verifier.js';
import { type StateVerdict, proveState } from './state-verifier.js';

interface ContractJson { id: number; name: string; namespace: string; kinds: string[]; methods: Record<string, string>; queries: Record<string, string> }

const $ = (id: string) => document.getElementById(id)!;
const RAW = 'raw';

const list = (record: Record<string, string>) => Object.entries(record).map(([n, name]) => `${n} ${name}`).join(', ') || '—';

/** Lists the contracts and offers each as a namespace of the state lookup (plus a raw namespace). */
export async function showContracts(): Promise<ContractJson[]> {
  const response = await fetch('/contracts', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`/contracts: HTTP ${response.status}`);
  const contracts = (await response.json()) as ContractJson[];
  const tbody = $('contracts') as HTMLTableSectionElement;
  tbody.replaceChildren();
  for (const c of contracts) {
    const row = tbody.insertRow();
    row.dataset['contract'] = String(c.id);
    for (const [text, mono] of [[String(c.id), false], [c.name, false], [c.namespace, true], [c.kinds.join(', ') || '—', false], [list(c.methods), false], [list(c.queries), false]] as const) {
      const td = row.insertCell();
      td.textContent = text;
      if (mono) td.className = 'mono';
      td.style.whiteSpace = 'normal';
    }
  }
  const select = $('state-ns') as HTMLSelectElement;
  const chosen = select.value;
  select.replaceChildren(...contracts.map((c) => new Option(`${c.name} (${c.namespace})`, c.namespace)), new Option('raw namespace…', RAW));
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  return contracts;
}

function render(box: HTMLElement, verdict: StateVerdict): void {
  box.className = `verdict ${verdict.ok ? 'ok' : 'fail'}`;
  box.textContent = verdict.ok ? verdict.summary : `✘ ${verdict.summary}`;
  if (verdict.ok) box.dataset['present'] = String(verdict.present);
  else delete box.dataset['present'];
  const line = document.createElement('small');
  line.textContent = verdict.detail;
  box.append(line);
}

/** Wires the state lookup form; `#state=<namespace>/<key>` opens a lookup directly. */
export function setUpStateLookup(verifier: BrowserVerifier, initial?: string): void {
  const select = $('state-ns') as HTMLSelectElement;
  const raw = $('state-ns-raw') as HTMLInputElement;
  const key = $('state-key') as HTMLInputElement;
  const box = $('state-verdict');
  select.onchange = () => (raw.hidden = select.value !== RAW);
  let asked = 0;
  const prove = async () => {
    const namespace = select.value === RAW ? raw.value.trim() : select.value;
    const turn = ++asked;
    box.className = 'verdict busy';
    box.textContent = 'proving in your browser…';
    const verdict = await proveState(verifier, namespace, key.value.trim());
    if (turn !== asked) return; // a newer lookup was asked meanwhile
    render(box, verdict);
  };
  ($('state-form') as HTMLFormElement).onsubmit = (event) => {
    event.preventDefault();
    // A link to this lookup, as #tx= and #device= are to theirs.
    history.replaceState(null, '', `#state=${select.value === RAW ? raw.value.trim() : select.value}/${key.value.trim()}`);
    void prove();
  };
  const [namespace, keyHex] = (initial ?? '').split('/');
  if (namespace && keyHex) {
    if (![...select.options].some((o) => o.value === namespace.toLowerCase())) select.add(new Option(`namespace ${namespace}`, namespace.toLowerCase()));
    select.value = namespace.toLowerCase();
    key.value = keyHex;
    void prove();
  }
}

let deviceTurn = 0;

/** Proves the device's registry entry and its absence from the blocklist, and shows both. */
export async function showDeviceProofs(verifier: BrowserVerifier, idHex: string): Promise<void> {
  const turn = ++deviceTurn;
  const [enrolled, blocked] = await Promise.all([
    proveState(verifier, bytesToHex(contractNamespace(ContractId.REGISTRY)), idHex),
    proveState(verifier, bytesToHex(contractNamespace(ContractId.BLOCKLIST)), idHex),
  ]);
  if (turn !== deviceTurn) return; // another device was picked meanwhile
  const box = $('device-proofs');
  box.replaceChildren();
  box.dataset['device'] = idHex;
  for (const [name, verdict] of [['registry', enrolled], ['blocklist', blocked]] as const) {
    const span = document.createElement('span');
    span.className = `proof ${verdict.ok ? 'ok' : 'fail'}`;
    span.dataset['proof'] = name;
    span.textContent = verdict.ok ? verdict.summary : `✘ ${verdict.summary}`;
    span.title = verdict.detail;
    box.append(span);
  }
}
