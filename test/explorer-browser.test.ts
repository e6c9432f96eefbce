// The explorer in a real headless browser (Debian's chromium through playwright-core): a real
// gateway with a small simulated fleet (the desktop light peers), the page served by the
// gateway. The page shows the height advancing, verifies a transaction's inclusion proof with
// the core bundled for the browser (green), shows a tampered proof or transaction served by a
// lying gateway as failing (red), and draws a device's readings. Screenshots are kept in
// build/test-artifacts/. Skipped locally without chromium; fails under CI.

import test from 'ava';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { BlockReason, CONTRACTS, TxKind, blockReportBody, bytesToHex, encodeTx, keyId, signTx } from '../src/index.js';
import { type Fleet, openFleet } from '../hosts/desktop/fleet.js';
import { createNativeCrypto } from '../hosts/node/crypto-secp256k1-node.js';
import { enrolledBy, enrollKeys } from '../tools/cli/fleet-enroll.js';
import type { Gateway } from '../tools/gateway/gateway.js';
import { artifactPath, browserTests, launchChromium } from './support/chromium.js';
import { waitUntil } from './support/desktop-fleet.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { connectDevice } from './support/mqtt-device.js';
import type { ChainFiles } from '../tools/gateway/data-dir.js';

const { browserTest, skipNote } = browserTests();

const crypto = createNativeCrypto();
// Generous for a loaded CI machine (the whole suite runs beside); a page normally takes 1–3 s.
const PAGE_TIMEOUT_MS = 30_000;

interface World {
  chain: ChainFiles;
  gateway: Gateway;
  fleet: Fleet;
  browser: Browser;
  url: string;
  remove: () => void;
}
let world: World | undefined;

async function setUp(t: { log: (line: string) => void }): Promise<World> {
  if (world) return world;
  const { dir, chain, remove } = makeChainDir('explorer');
  const gateway = await startTestGateway(dir, { httpPort: 0, producer: { intervalMs: 300, heartbeatMs: 1000 } });
  const url = new URL(gateway.mqttUrl);
  const fleet = openFleet({
    dir: join(dir, 'fleet'), count: 3, genesis: chain.genesis, broker: { host: url.hostname, port: Number(url.port) }, crypto, durable: false,
    peer: { samplingIntervalMs: 250 }, mqtt: { backoff: { minMs: 50, maxMs: 500 } }, stagger: false, log: () => () => {},
  });
  const codes = await enrollKeys({ crypto, chainId: chain.chainId, operator: chain.operatorKey!, brokerUrl: gateway.mqttUrl, firstSeq: 1, timeoutMs: 10_000 }, fleet.devices.map((d) => d.publicKey));
  codes.forEach((code, i) => {
    if (!enrolledBy(code)) throw new Error(`enrolment of device ${i} failed: ${code}`);
    fleet.devices[i]!.markEnrolled();
  });
  fleet.start();
  // Readings in a block before the page opens: the page then has a transaction and a chart to show.
  await waitUntil(() => readingsTxs(gateway).length >= 3, 'readings in blocks', 30_000);
  const browser = await launchChromium();
  world = { chain, gateway, fleet, browser, url: gateway.httpUrl!, remove };
  t.log(`gateway ${world.url}, chromium ${browser.version()}`);
  return world;
}

test.after.always(async () => {
  if (!world) return;
  await world.browser.close();
  world.fleet.stop();
  await world.gateway.close();
  world.remove();
});

/** Ids of READINGS transactions in blocks, newest block first. */
function readingsTxs(gateway: Gateway): string[] {
  const ids: string[] = [];
  for (let h = gateway.producer.height; h >= 1 && ids.length < 10; h--) {
    for (const id of gateway.store.blockTxIds(h)) if (gateway.store.txById(id)?.kind === TxKind.READINGS) ids.push(bytesToHex(id));
  }
  return ids;
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url);
  return page;
}

const pageErrors = (page: Page) => (page as Page & { errors?: string[] }).errors ?? [];

browserTest(`the page shows the chain growing, a transaction verified in the browser and a device's chart${skipNote}`, async (t) => {
  const { browser, url, gateway } = await setUp(t);
  const page = await openPage(browser, `${url}/`);

  // The page opens the newest transaction by itself and verifies it: green verdict.
  const verdict = page.locator('#verdict.ok');
  await verdict.waitFor();
  t.regex(await verdict.innerText(), /verified in your browser/);
  t.regex(await verdict.innerText(), /inclusion proof .* rebuilds the header's txRoot/);

  // The height advances as blocks arrive over /events, and the page verifies each new header itself.
  const first = Number(await page.locator('#height').innerText());
  await page.waitForFunction(`Number(document.getElementById('height').textContent) > ${first}`);
  await page.waitForFunction(`Number(document.getElementById('verified-height').textContent) > ${first}`);
  t.true(Number(await page.locator('#height').innerText()) <= gateway.producer.height);
  // The page anchored at the gateway's operator-signed checkpoint, which it verified.
  t.regex(await page.locator('#anchor').innerText(), /^the checkpoint at height \d+$/);

  // The newest blocks are listed without gaps.
  await page.waitForFunction(`(() => { const hs = [...document.querySelectorAll('#blocks tr')].map((r) => Number(r.dataset.height));
    return hs.length >= 3 && hs.every((h, i) => i === 0 || hs[i - 1] === h + 1); })()`);

  // A device's readings as charts with points (uPlot draws on a canvas).
  const chart = page.locator('#charts .chart[data-points]').first();
  await chart.waitFor();
  t.true(Number(await chart.getAttribute('data-points')) > 0);
  t.true(await page.locator('#charts canvas').count() >= 1, 'uPlot drew a canvas');
  t.true(await page.locator('#devices tr').count() >= 4, 'the operator, the gateway and 3 devices are listed');
  t.regex(await page.locator('#devices').innerText(), /enrolled/);

  const shot = artifactPath('explorer-verified.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.log(`screenshot: ${shot}`);
  t.deepEqual(pageErrors(page), [], 'no error in the page');
  await page.close();
});

browserTest(`a lying gateway's tampered proof or transaction is shown as failing${skipNote}`, async (t) => {
  const { browser, url, gateway } = await setUp(t);
  const id = readingsTxs(gateway)[0]!;
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  // The gateway lies about this transaction's proof: one bit of its first path hash flipped.
  await page.route(`**/tx/${id}/proof`, async (route) => {
    const response = await route.fetch();
    const served = (await response.json()) as { proof: string; wire: string };
    const proof = served.proof;
    const at = proof.length - 2; // the last byte: inside the last path hash (or the leaf index for a single-leaf proof)
    served.proof = proof.slice(0, at) + ((parseInt(proof.slice(at), 16) ^ 1).toString(16).padStart(2, '0'));
    await route.fulfill({ response, json: served });
  });
  await page.goto(`${url}/#tx=${id}`);
  const verdict = page.locator('#verdict.fail');
  await verdict.waitFor();
  t.regex(await verdict.innerText(), /NOT verified/);
  const proofShot = artifactPath('explorer-tampered-proof.png');
  await page.screenshot({ path: proofShot, fullPage: true });
  t.log(`screenshot: ${proofShot}`);
  await page.unrouteAll({ behavior: 'wait' });

  // ... and about another transaction's bytes: one byte of the reading changed.
  const other = readingsTxs(gateway)[1]!;
  await page.route(`**/tx/${other}/proof`, async (route) => {
    const response = await route.fetch();
    const served = (await response.json()) as { wire: string };
    const at = served.wire.length - 2;
    served.wire = served.wire.slice(0, at) + ((parseInt(served.wire.slice(at), 16) ^ 1).toString(16).padStart(2, '0'));
    await route.fulfill({ response, json: served });
  });
  await page.goto(`${url}/#tx=${other}`);
  await page.reload(); // a hash change alone does not reload the page
  await page.locator('#verdict.fail').waitFor();
  t.regex(await page.locator('#verdict').innerText(), /NOT verified: its bytes hash to/);

  // The same transaction, served honestly, is green again.
  await page.unrouteAll({ behavior: 'wait' });
  await page.reload();
  await page.locator('#verdict.ok').waitFor();

  // A forged checkpoint (one bit of the operator's signature flipped) is refused: the page anchors at the genesis.
  await page.route('**/checkpoint.cbor', async (route) => {
    const response = await route.fetch();
    const bytes = Buffer.from(await response.body());
    bytes[bytes.length - 1]! ^= 1;
    await route.fulfill({ response, body: bytes });
  });
  await page.reload();
  await page.locator('#verdict.ok').waitFor();
  t.is(await page.locator('#anchor').innerText(), 'the genesis');
  t.regex(await page.locator('#chain-info').innerText(), /checkpoint refused, anchored at the genesis: BAD_CHECKPOINT_SIGNATURE/);
  await page.close();
});

browserTest(`a device is proved enrolled and not blocked in the browser; the contracts are listed; a tampered state answer is refused${skipNote}`, async (t) => {
  const { browser, url, fleet } = await setUp(t);
  const device = fleet.devices[2]!.idHex;
  const page = await openPage(browser, `${url}/#device=${device}`);

  // The device page proves both facts against a header the page verified itself.
  const enrolled = page.locator(`#device-proofs[data-device="${device}"] .proof.ok[data-proof="registry"]`);
  const notBlocked = page.locator(`#device-proofs[data-device="${device}"] .proof.ok[data-proof="blocklist"]`);
  await enrolled.waitFor();
  await notBlocked.waitFor();
  t.regex(await enrolled.innerText(), /^enrolled ✓ \(proved at height \d+; device, last seq \d+\)$/);
  t.regex(await notBlocked.innerText(), /^not blocked ✓ \(proof of absence at height \d+\)$/);

  // The contracts, as registered.
  await page.locator('#contracts tr[data-contract="0"]').waitFor();
  t.is(await page.locator('#contracts tr').count(), CONTRACTS.length);
  t.regex(await page.locator('#contracts').innerText(), /0001/);

  // The state lookup: the blocklist and the device id → a proof of absence verified here.
  await page.locator('#state-ns option[value="0001"]').waitFor({ state: 'attached' });
  await page.selectOption('#state-ns', '0001');
  await page.fill('#state-key', device);
  await page.click('#state-prove');
  await page.locator('#state-verdict.ok').waitFor();
  t.regex(await page.locator('#state-verdict').innerText(), /^not blocked ✓ \(proof of absence at height \d+\)/);
  t.is(await page.locator('#state-verdict').getAttribute('data-present'), 'false');
  // ... and the registry → a membership proof.
  await page.selectOption('#state-ns', '0000');
  await page.click('#state-prove');
  await page.locator('#state-verdict.ok[data-present="true"]').waitFor();
  t.regex(await page.locator('#state-verdict').innerText(), /^enrolled ✓/);
  // A raw namespace nobody writes: absent, proved.
  await page.selectOption('#state-ns', 'raw');
  await page.fill('#state-ns-raw', 'beef');
  await page.click('#state-prove');
  await page.locator('#state-verdict.ok[data-present="false"]').waitFor();
  t.regex(await page.locator('#state-verdict').innerText(), /^absent ✓/);
  t.is(new URL(page.url()).hash, `#state=beef/${device}`, 'the lookup is linkable');
  t.deepEqual(pageErrors(page), [], 'no error in the page');
  await page.close();

  // A lying gateway: one bit of the registry proof flipped → refused by the page's verifyStateProof.
  const lying = await openPage(browser, 'about:blank');
  await lying.route(`**/state/0000/**`, async (route) => {
    const response = await route.fetch();
    const served = (await response.json()) as { proof: string };
    served.proof = served.proof.slice(0, -2) + (parseInt(served.proof.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');
    await route.fulfill({ response, json: served });
  });
  await lying.goto(`${url}/#device=${device}&state=0000/${device}`);
  await lying.locator('#state-verdict.fail').waitFor();
  t.regex(await lying.locator('#state-verdict').innerText(), /proof refused: BAD_PROOF/);
  const refused = lying.locator(`#device-proofs[data-device="${device}"] .proof.fail[data-proof="registry"]`);
  await refused.waitFor();
  t.regex(await refused.innerText(), /proof refused: BAD_PROOF/);
  // The blocklist answer was not touched: still proved.
  await lying.locator(`#device-proofs[data-device="${device}"] .proof.ok[data-proof="blocklist"]`).waitFor();
  const shot = artifactPath('explorer-state-refused.png');
  await lying.screenshot({ path: shot, fullPage: true });
  t.log(`screenshot: ${shot}`);
  await lying.unrouteAll({ behavior: 'wait' });

  // ... and one that claims the enrolled device is absent (value null, proof unchanged): refused too.
  await lying.route(`**/state/0000/**`, async (route) => {
    const response = await route.fetch();
    const served = (await response.json()) as { value: string | null };
    served.value = null;
    await route.fulfill({ response, json: served });
  });
  // The page replaced its hash with the transaction it opened, so load the lookup's link again.
  await lying.goto('about:blank');
  await lying.goto(`${url}/#state=0000/${device}`);
  await lying.locator('#state-verdict.fail').waitFor();
  t.regex(await lying.locator('#state-verdict').innerText(), /proof refused: (BAD_PROOF|PROOF_SHAPE)/);
  await lying.unrouteAll({ behavior: 'wait' });
  await lying.close();
});

browserTest(`a revoked and a blocked device are shown as such, and the blocklist lists the block${skipNote}`, async (t) => {
  const { browser, url, gateway, chain, fleet } = await setUp(t);
  const [revoked, blocked] = [fleet.devices[0]!.idHex, fleet.devices[1]!.idHex];
  const operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  t.teardown(() => operator.close());
  const now = Math.floor(Date.now() / 1000);
  const operatorSeq = (gateway.working().account(operator.id)?.lastSeq ?? 0) + 1;
  await operator.send({ kind: TxKind.REVOKE, sender: operator.id, seq: operatorSeq, time: now, body: [fleet.devices[0]!.id] });
  // The gateway (the validator) reports the other device, into its own ingest as it does for a
  // flood (a connection carries only its own device's transactions, docs/protocol.md §9.6).
  const gatewayId = keyId(crypto, chain.gatewayKey.publicKey);
  const gatewaySeq = (gateway.working().account(gatewayId)?.lastSeq ?? 0) + 1;
  const report = signTx(crypto, chain.chainId, { kind: TxKind.BLOCK_REPORT, sender: gatewayId, seq: gatewaySeq, time: now, body: blockReportBody(fleet.devices[1]!.id, BlockReason.COMPROMISED) }, chain.gatewayKey.privateKey);
  gateway.ingest.handle(encodeTx(report), undefined);
  await waitUntil(() => gateway.producer.committedState().blocked().length === 1 && gateway.producer.committedState().account(fleet.devices[0]!.id)?.status === 1, 'the revocation and the report in a block');

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  await page.goto(`${url}/#device=${blocked}`);
  await page.locator(`#devices tr[data-device="${revoked}"] .state-revoked`).waitFor();
  await page.locator(`#devices tr[data-device="${blocked}"] .state-blocked`).waitFor();
  t.regex(await page.locator('#blocklist').innerText(), new RegExp(`${blocked}\\s+compromised`));
  // The page proves the block itself: a membership proof in the blocklist's namespace.
  const proof = page.locator(`#device-proofs[data-device="${blocked}"] .proof.ok[data-proof="blocklist"]`);
  await proof.waitFor();
  t.regex(await proof.innerText(), /^blocked ✓ \(compromised since height \d+; proved at height \d+\)$/);
  // A blocked device's past readings stay in the ledger and on its chart.
  await page.locator('#charts .chart[data-points]').first().waitFor();
  const shot = artifactPath('explorer-revoked-blocked.png');
  await page.screenshot({ path: shot, fullPage: true });
  t.log(`screenshot: ${shot}`);
  await page.close();
});
