// The explorer's page and script as the gateway serves them (tools layer, Node only).
//
// The page is static HTML; everything it shows comes from the gateway's read-only routes.
// Its script (tools/explorer/, plain TypeScript and DOM) is bundled with esbuild on the
// first request and kept in memory: it includes the core (src/) so that the browser checks
// headers and inclusion proofs with the very code the devices run, and uPlot for charts.
// Nothing generated is written to disk or committed.

import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../explorer/explorer-main.ts', import.meta.url));

let bundle: Promise<Uint8Array> | undefined;

/** The explorer's script, minified (built once per process, ~0.3 s). */
export function explorerBundle(): Promise<Uint8Array> {
  bundle ??= build().catch((error: unknown) => {
    bundle = undefined; // a failed build is tried again on the next request
    throw error;
  });
  return bundle;
}

async function build(): Promise<Uint8Array> {
  // esbuild is loaded only when someone opens the explorer.
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    loader: { '.css': 'text' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.contents;
}

export const EXPLORER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>botpeer explorer</title>
<link rel="icon" href="data:,">
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f6f9; }
  body { margin: 0; }
  header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 20px; margin: 0; }
  header .stat b { font-size: 20px; }
  main { display: grid; grid-template-columns: minmax(340px, 1fr) minmax(420px, 1.3fr); gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px #0002; min-width: 0; }
  section h2 { font-size: 16px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e5e8ee; white-space: nowrap; }
  tr.pick { cursor: pointer; } tr.pick:hover { background: #eef3ff; } tr.selected { background: #dde8ff; }
  code, .mono { font-family: ui-monospace, monospace; font-size: 12px; }
  .verdict { padding: 10px 12px; border-radius: 6px; font-weight: 600; margin: 8px 0; }
  .verdict.ok { background: #d9f7df; color: #0b6b24; border: 1px solid #5cc47a; }
  .verdict.fail { background: #fde0e0; color: #9b1111; border: 1px solid #e06666; }
  .verdict.busy { background: #eef1f5; color: #444; border: 1px solid #ccd; }
  .verdict small { display: block; font-weight: 400; margin-top: 4px; }
  .muted { color: #6b7280; font-size: 12px; }
  .state-revoked, .state-blocked { color: #b42318; font-weight: 600; } .state-active { color: #0b6b24; }
  .charts { display: flex; flex-direction: column; gap: 6px; }
  .wide { grid-column: 1 / -1; }
  #blocks-wrap, #devices-wrap { max-height: 330px; overflow: auto; }
  .proofs { display: flex; gap: 8px; flex-wrap: wrap; margin: 0 0 6px; font-size: 13px; }
  .proof { padding: 2px 8px; border-radius: 4px; } .proof.ok { background: #d9f7df; color: #0b6b24; } .proof.fail { background: #fde0e0; color: #9b1111; }
  #state-form { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; font-size: 13px; }
  #state-form input { font-family: ui-monospace, monospace; font-size: 12px; }
  .lookup { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; font-size: 13px; }
  .lookup input, .lookup textarea { font-family: ui-monospace, monospace; font-size: 12px; }
  .reading { padding: 0 3px; border-radius: 3px; background: #eef1f5; } .reading.breach { background: #fde0e0; color: #9b1111; font-weight: 600; }
  .verdict.breach { background: #fff0d6; color: #8a4b00; border: 1px solid #e0a040; }
  .verdict.answered { background: #eef3ff; color: #1d2330; border: 1px solid #9ab; }
  #deployed td { vertical-align: top; }
  pre.source { max-height: 240px; overflow: auto; font-size: 12px; background: #f4f6f9; padding: 6px; white-space: pre-wrap; }
</style>
</head>
<body>
<header>
  <h1>botpeer explorer</h1>
  <span class="stat">chain <code id="chain-id">…</code> <span id="chain-name"></span></span>
  <span class="stat">height <b id="height">…</b></span>
  <span class="stat">headers verified in your browser up to <b id="verified-height">…</b> <span class="muted" style="color:#aab">from <span id="anchor">…</span></span></span>
  <span class="stat">pending <b id="pending">…</b></span>
  <span class="stat">transactions <b id="tx-count">…</b></span>
  <span class="stat"><a href="/metrics" style="color:#9cf">/metrics</a></span>
</header>
<main>
  <section>
    <h2>Blocks <span class="muted" id="live">(connecting…)</span></h2>
    <div id="blocks-wrap"><table><thead><tr><th>height</th><th>time</th><th>txs</th><th>hash</th></tr></thead><tbody id="blocks"></tbody></table></div>
    <h2 style="margin-top:12px">Transactions of block <span id="block-title">…</span></h2>
    <div id="block-txs-wrap" style="max-height:180px;overflow:auto"><table><tbody id="block-txs"></tbody></table></div>
  </section>
  <section>
    <h2>Transaction</h2>
    <div id="verdict" class="verdict busy">pick a transaction</div>
    <div id="tx-detail"></div>
  </section>
  <section>
    <h2>Devices</h2>
    <div id="devices-wrap"><table><thead><tr><th>device</th><th>role</th><th>state</th><th>last seq</th><th>last seen</th></tr></thead><tbody id="devices"></tbody></table></div>
    <h2 style="margin-top:12px">Blocklist</h2>
    <table><thead><tr><th>device</th><th>reason</th><th>reported by</th><th>height</th></tr></thead><tbody id="blocklist"></tbody></table>
  </section>
  <section>
    <h2>Readings of <code id="device-title">…</code></h2>
    <div id="device-proofs" class="proofs"></div>
    <div id="charts" class="charts"></div>
  </section>
  <section>
    <h2>Contracts</h2>
    <table><thead><tr><th>id</th><th>name</th><th>namespace</th><th>kinds</th><th>methods</th><th>queries</th></tr></thead><tbody id="contracts"></tbody></table>
  </section>
  <section>
    <h2>State <span class="muted">(proved in your browser against a header it verified)</span></h2>
    <form id="state-form">
      <select id="state-ns"></select>
      <input id="state-ns-raw" placeholder="namespace (hex)" size="10" hidden>
      <input id="state-key" placeholder="key (hex), e.g. a device id" size="34">
      <button id="state-prove" type="submit">prove</button>
    </form>
    <div id="state-verdict" class="verdict busy">pick a contract and a key</div>
  </section>
  <section>
    <h2>Provenance <span class="muted">(a supply-chain item, verified in your browser)</span></h2>
    <form id="prov-form" class="lookup">
      <input id="prov-item" placeholder="item id (hex)" size="34">
      <label>max <input id="prov-max" value="8" size="5"> °C</label>
      <button id="prov-check" type="submit">verify</button>
    </form>
    <div id="prov-verdict" class="verdict busy">enter an item id</div>
    <table><thead><tr><th>step</th><th>what</th><th>holder</th><th>blocks</th><th>travelling</th><th>readings</th></tr></thead><tbody id="prov-steps"></tbody></table>
  </section>
  <section>
    <h2>Balance <span class="muted">(transport credits, proved in your browser)</span></h2>
    <form id="balance-form" class="lookup">
      <input id="balance-account" placeholder="account id (hex)" size="34">
      <button id="balance-prove" type="submit">prove</button>
    </form>
    <div id="balance-verdict" class="verdict busy">enter an account id</div>
  </section>
  <section class="wide">
    <h2>Deployed contracts</h2>
    <table><thead><tr><th>code hash</th><th>methods</th><th>queries</th><th>source</th></tr></thead><tbody id="deployed"></tbody></table>
    <form id="query-form" class="lookup" style="margin-top:8px">
      <select id="query-contract"></select>
      <input id="query-name" list="query-names" placeholder="query" size="12"><datalist id="query-names"></datalist>
      <textarea id="query-args" placeholder='args (JSON), e.g. {"who": "…"}' rows="1" cols="40"></textarea>
      <button id="query-run" type="submit">query</button>
    </form>
    <div id="query-result" class="verdict busy">query results are not proved: the gateway runs the query and reports what came out</div>
  </section>
  <section class="wide">
    <h2>Chain</h2>
    <div id="chain-info" class="mono"></div>
  </section>
</main>
<script type="module" src="/explorer.js"></script>
</body>
</html>
`;
