// The explorer's deployed-contracts view (browser; part of the page's script): the contracts
// deployed on the chain (GET /contracts/deployed, then /contracts/<hash> for each: methods,
// queries, source), and a query form (GET /contracts/<hash>/query/<name>?args=<JSON>).
//
// A query's result is NOT proved: the gateway runs the query in its sandbox on its committed
// state and says what came out; the page cannot check that (a deployed contract's entries are in
// the state tree, so each one could be proved with the State lookup, but the query's computation
// over them is the gateway's word). The page says so next to every result.

const $ = (id: string) => document.getElementById(id)!;

interface DeployedInfo { hash: string; methods: string[]; queries: string[]; source: string }

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    // a body that is not JSON: the status says enough
  }
  return { status: response.status, body };
}

let shownKey: string | undefined;

const names = (list: readonly string[]) => list.join(', ') || '—';

/** Lists the deployed contracts and offers their queries to the form; returns how many. */
export async function showDeployed(): Promise<number> {
  const tbody = $('deployed') as HTMLTableSectionElement;
  const listed = await getJson('/contracts/deployed');
  const hashes = Array.isArray(listed.body['contracts']) ? (listed.body['contracts'] as unknown[]).filter((h): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) : [];
  // Redrawn only when the list changed: a source a visitor opened stays open as blocks arrive.
  const key = `${listed.status} ${hashes.join(',')}`;
  if (key === shownKey) return hashes.length;
  shownKey = key;
  const infos = (await Promise.all(hashes.map(async (h) => (await getJson(`/contracts/${h}`)).body as unknown as DeployedInfo))).filter((i) => typeof i?.hash === 'string');
  tbody.replaceChildren();
  for (const info of infos) {
    const row = tbody.insertRow();
    row.dataset['hash'] = info.hash;
    for (const [text, mono] of [[info.hash, true], [names(info.methods ?? []), false], [names(info.queries ?? []), false]] as const) {
      const td = row.insertCell();
      td.textContent = text;
      td.style.whiteSpace = 'normal';
      td.style.wordBreak = 'break-all';
      if (mono) td.className = 'mono';
    }
    // The source, collapsed: it can be long.
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = `source (${info.source?.length ?? 0} characters)`;
    const pre = document.createElement('pre');
    pre.className = 'source';
    pre.textContent = info.source ?? '';
    details.append(summary, pre);
    row.insertCell().append(details);
  }
  if (infos.length === 0) {
    const td = tbody.insertRow().insertCell();
    td.colSpan = 4;
    td.className = 'muted';
    td.textContent = listed.status === 200 ? 'no contract deployed yet' : `no deployed contracts here (${String(listed.body['error'] ?? `HTTP ${listed.status}`)})`;
  }
  const select = $('query-contract') as HTMLSelectElement;
  const chosen = select.value;
  select.replaceChildren(...infos.map((i) => new Option(`${i.hash.slice(0, 16)}… (${names(i.queries ?? [])})`, i.hash)));
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  const queryNames = $('query-names') as HTMLDataListElement;
  queryNames.replaceChildren(...[...new Set(infos.flatMap((i) => i.queries ?? []))].map((q) => new Option(q, q)));
  return infos.length;
}

/** Wires the query form: the result, or the gateway's error, each marked as not proved. */
export function setUpQueryForm(): void {
  const box = $('query-result');
  let turn = 0;
  ($('query-form') as HTMLFormElement).onsubmit = async (event) => {
    event.preventDefault();
    const mine = ++turn;
    const hash = ($('query-contract') as HTMLSelectElement).value;
    const name = ($('query-name') as HTMLInputElement).value.trim();
    const argsText = ($('query-args') as HTMLTextAreaElement).value.trim() || 'null';
    const show = (ok: boolean, text: string) => {
      if (mine !== turn) return;
      box.className = `verdict ${ok ? 'answered' : 'fail'}`;
      box.dataset['ok'] = String(ok);
      box.textContent = text;
      const note = document.createElement('small');
      note.textContent = 'not proved: the gateway ran this query on its state and reports the result; the page cannot check it against a header.';
      box.append(note);
    };
    if (!/^[0-9a-f]{64}$/.test(hash)) return show(false, 'pick a deployed contract');
    if (!/^[A-Za-z_$][\w$]{0,63}$/.test(name)) return show(false, 'a query name is an identifier, like balance');
    try {
      JSON.parse(argsText);
    } catch {
      return show(false, 'the arguments must be JSON, like {"who": "…"} or null');
    }
    box.className = 'verdict busy';
    box.textContent = 'asking the gateway…';
    const { status, body } = await getJson(`/contracts/${hash}/query/${encodeURIComponent(name)}?args=${encodeURIComponent(argsText)}`);
    if (status === 200) show(true, `${name} → ${JSON.stringify(body['result'])} (gas ${String(body['gasUsed'])})`);
    else show(false, `${String(body['code'] ?? `HTTP ${status}`)}: ${String(body['error'] ?? '')}`);
  };
}
