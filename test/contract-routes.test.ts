// The gateway's contract routes over HTTP against a real gateway (no browser): /contracts lists
// the registered contracts; /state answers an enrolled device's registry entry (membership) and
// its absence from the blocklist (non-membership) with proofs that verify against the stateRoot
// of the header at the height named, which is the committed state's root; a changed proof or a
// changed value is refused by verifyStateProof; bad input gets a typed 400 (no block yet: 404) and
// writes nothing.

import test from 'ava';
import { request } from 'node:http';
import {
  AccountStatus, CONTRACTS, ContractId, ErrorCode, SMALL_LIMITS, bytesToHex, contractNamespace, decodeCbor, decodeLightBlock, hexToBytes, keyId, verifyStateProof,
} from '../src/index.js';
import { MAX_NAMESPACE_BYTES, MAX_STATE_KEY_BYTES, type ContractJson, type StateJson } from '../tools/gateway/contract-routes.js';
import { crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { waitUntil } from './support/desktop-fleet.js';

async function get(url: string, method = 'GET'): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(url: string): Promise<T> {
  const reply = await get(url);
  if (reply.status !== 200) throw new Error(`${url}: HTTP ${reply.status} ${reply.body.toString()}`);
  return JSON.parse(reply.body.toString()) as T;
}

/** Flips the low bit of the last byte of a hex string. */
const flipLast = (hex: string) => hex.slice(0, -2) + (parseInt(hex.slice(-2), 16) ^ 1).toString(16).padStart(2, '0');

test('/contracts lists the registered contracts; /state proves an enrolled device present and absent from the blocklist against the header', async (t) => {
  const { dir, chain, remove } = makeChainDir('state');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0, producer: { intervalMs: 50, heartbeatMs: 3_600_000 } });
  t.teardown(() => gateway.close());
  const url = gateway.httpUrl!;
  const key = newDeviceKey();
  const device = keyId(crypto, key.publicKey);
  await enroll(gateway.mqttUrl, chain, [key]);
  await waitUntil(() => gateway.producer.height >= 1 && gateway.producer.pendingCount === 0, 'the enrolment in a block');

  const contracts = await getJson<ContractJson[]>(`${url}/contracts`);
  t.deepEqual(contracts.map((c) => c.id), CONTRACTS.map((c) => c.id));
  const registry = contracts.find((c) => c.id === ContractId.REGISTRY)!;
  t.is(registry.namespace, '0000');
  t.true(registry.kinds.includes('ENROLL'));
  t.is(contracts.find((c) => c.id === ContractId.BLOCKLIST)!.namespace, '0001');
  for (const c of contracts) t.is(typeof c.name, 'string');

  // The committed state's root is the newest header's stateRoot (read in one synchronous step).
  const height = gateway.producer.height;
  const header = decodeLightBlock(gateway.store.block(height)!.lightBlock).header;
  t.is(bytesToHex(gateway.producer.committedState().root(crypto)), bytesToHex(header.stateRoot));

  // Enrolled: a membership proof of the registry entry against the header at the height named.
  const registryNs = contractNamespace(ContractId.REGISTRY);
  const enrolled = await getJson<StateJson>(`${url}/state/0000/${bytesToHex(device)}`);
  t.is(enrolled.height, gateway.producer.height, 'no block came between (heartbeat off, nothing pending)');
  const root = decodeLightBlock((await get(`${url}/blocks/${enrolled.height}/light`)).body).header.stateRoot;
  t.is(enrolled.stateRoot, bytesToHex(root));
  t.not(enrolled.value, null);
  const value = hexToBytes(enrolled.value!);
  const fields = decodeCbor(value, SMALL_LIMITS) as unknown[];
  t.is(bytesToHex(fields[0] as Uint8Array), bytesToHex(device));
  t.is(fields[3], AccountStatus.ACTIVE);
  const present = verifyStateProof(crypto, root, registryNs, device, value, hexToBytes(enrolled.proof));
  t.true(present.ok && present.value.present, JSON.stringify(present));

  // Not blocked: a non-membership proof in the blocklist's namespace (uppercase hex is fine too).
  const blocklistNs = contractNamespace(ContractId.BLOCKLIST);
  const notBlocked = await getJson<StateJson>(`${url}/state/0001/${bytesToHex(device).toUpperCase()}`);
  t.is(notBlocked.value, null);
  const absent = verifyStateProof(crypto, root, blocklistNs, device, undefined, hexToBytes(notBlocked.proof));
  t.true(absent.ok && !absent.value.present, JSON.stringify(absent));

  // A lying answer is refused: a changed proof, a claimed absence, a changed value, another key.
  const refused = (r: ReturnType<typeof verifyStateProof>) => (r.ok ? 'ok' : r.code);
  t.is(refused(verifyStateProof(crypto, root, registryNs, device, value, hexToBytes(flipLast(enrolled.proof)))), ErrorCode.BAD_PROOF);
  t.false(verifyStateProof(crypto, root, registryNs, device, undefined, hexToBytes(enrolled.proof)).ok, 'an enrolled device cannot be shown absent');
  t.false(verifyStateProof(crypto, root, registryNs, device, hexToBytes(flipLast(enrolled.value!)), hexToBytes(enrolled.proof)).ok, 'nor with another value');
  t.false(verifyStateProof(crypto, root, blocklistNs, device, value, hexToBytes(notBlocked.proof)).ok, 'an absent device cannot be shown blocked');
  t.false(verifyStateProof(crypto, root, registryNs, hexToBytes('00'.repeat(8)), value, hexToBytes(enrolled.proof)).ok, 'the proof is bound to its key');

  // Any namespace may be asked: an unused one proves absent; the longest namespace and key are allowed.
  const raw = await getJson<StateJson>(`${url}/state/${'ab'.repeat(MAX_NAMESPACE_BYTES)}/${'cd'.repeat(MAX_STATE_KEY_BYTES)}`);
  t.is(raw.value, null);
  t.true(verifyStateProof(crypto, root, hexToBytes('ab'.repeat(MAX_NAMESPACE_BYTES)), hexToBytes('cd'.repeat(MAX_STATE_KEY_BYTES)), undefined, hexToBytes(raw.proof)).ok);
});

test('bad input on /state and /contracts: a typed 400 or 404, no crash, nothing written', async (t) => {
  const { dir, chain, remove } = makeChainDir('state-bad');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0, producer: { intervalMs: 50, heartbeatMs: 3_600_000 } });
  t.teardown(() => gateway.close());
  const url = gateway.httpUrl!;
  // Before the first block there is no header to prove against (no heartbeat here, nothing sent).
  t.is(gateway.producer.height, 0);
  const early = await get(`${url}/state/0000/${'00'.repeat(8)}`);
  t.is(early.status, 404);
  t.is((JSON.parse(early.body.toString()) as { code: string }).code, 'NOT_FOUND');
  await enroll(gateway.mqttUrl, chain, [newDeviceKey()]);
  await waitUntil(() => gateway.producer.height >= 1 && gateway.producer.pendingCount === 0, 'the enrolment in a block');
  const height = gateway.producer.height;
  const txs = gateway.store.txCount();

  const cases: [string, string, number, string][] = [
    ['GET', '/state', 400, 'BAD_REQUEST'],
    ['GET', '/state/0000', 400, 'BAD_REQUEST'],
    ['GET', '/state/0000/00/extra', 400, 'BAD_REQUEST'],
    ['GET', '/state/000/00', 400, 'BAD_REQUEST'], // odd length
    ['GET', '/state/0000/0', 400, 'BAD_REQUEST'],
    ['GET', '/state/zz00/00', 400, 'BAD_REQUEST'],
    ['GET', '/state/0000/0g', 400, 'BAD_REQUEST'],
    ['GET', '/state/0x00/00', 400, 'BAD_REQUEST'],
    ['GET', `/state/${'00'.repeat(MAX_NAMESPACE_BYTES + 1)}/00`, 400, 'BAD_REQUEST'],
    ['GET', `/state/0000/${'00'.repeat(MAX_STATE_KEY_BYTES + 1)}`, 400, 'BAD_REQUEST'],
    ['GET', `/state/0000/${'0'.repeat(100_000)}`, 400, 'BAD_REQUEST'],
    ['GET', '/state/%00%00/00', 400, 'BAD_REQUEST'],
    ['GET', '/contracts/0', 400, 'BAD_REQUEST'],
    ['POST', '/state/0000/00', 405, 'METHOD_NOT_ALLOWED'],
    ['POST', '/contracts', 405, 'METHOD_NOT_ALLOWED'],
  ];
  for (const [method, path, status, code] of cases) {
    const reply = await get(`${url}${path}`, method);
    t.is(reply.status, status, `${method} ${path.slice(0, 80)}`);
    const body = JSON.parse(reply.body.toString()) as { code: string; error: string };
    t.is(body.code, code, `${method} ${path.slice(0, 80)}`);
    t.is(typeof body.error, 'string');
  }
  t.regex(JSON.parse((await get(`${url}/state/000/00`)).body.toString()).error as string, /namespace must be 1 to 32 bytes/);
  t.regex(JSON.parse((await get(`${url}/state/0000/${'00'.repeat(65)}`)).body.toString()).error as string, /key must be 1 to 64 bytes/);
  // Odd paths under both routes: never a 5xx.
  for (const prefix of ['/contracts', '/state', '/state/0000', `/state/0000/${'ab'.repeat(8)}`]) {
    for (const suffix of ['/x', '/%00', '/..%2f..', `/${'f'.repeat(300)}`, '/-0', '/0000?x=%ZZ', '/%ff%fe']) {
      const reply = await get(`${url}${prefix}${suffix}`);
      t.true(reply.status >= 200 && reply.status < 500, `GET ${prefix}${suffix}: ${reply.status}`);
    }
  }
  const index = JSON.parse((await get(`${url}/`)).body.toString()) as { endpoints: string[] };
  t.true(index.endpoints.includes('GET /contracts') && index.endpoints.includes('GET /state/:namespace/:key'));

  t.is(gateway.producer.height, height, 'no block written');
  t.is(gateway.store.txCount(), txs, 'no transaction written');
  t.is((await get(`${url}/status`)).status, 200, 'the gateway still answers');
});
