// `botpeer contract deploy|invoke|query` as a user runs it (a child process) against a real gateway.

import test from 'ava';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { TOKEN } from './support/deployed-fixture.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { runBotpeer } from './support/run-botpeer.js';

test('contract deploy, invoke and query through a running gateway; refusals and bad usage are clear', async (t) => {
  const { dir, remove } = makeChainDir('cli-contract');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => gateway.close());
  const common = ['--data', dir, '--broker', gateway.mqttUrl, '--http', gateway.httpUrl!, '--timeout', '30000'];
  const file = join(dir, 'token.js');
  writeFileSync(file, TOKEN);
  const hash = contractHash(TOKEN);

  const deployed = await runBotpeer(['contract', 'deploy', file, ...common]);
  t.is(deployed.code, 0, deployed.stderr + deployed.stdout);
  t.regex(deployed.stdout, /accepted in block \d+ \([0-9a-f]{64}\)/);
  t.true(deployed.stdout.includes(`contract ${hash}`));
  t.regex(deployed.stdout, /queries: balance/);

  const minted = await runBotpeer(['contract', 'invoke', hash, 'mint', '{"to":"a","amount":12}', ...common]);
  t.is(minted.code, 0, minted.stderr + minted.stdout);
  t.regex(minted.stdout, /accepted in block \d+/);
  const queried = await runBotpeer(['contract', 'query', hash, 'balance', '{"who":"a"}', ...common]);
  t.is(queried.code, 0, queried.stderr);
  t.is(queried.stdout.trim(), '12');

  const threw = await runBotpeer(['contract', 'invoke', hash, 'boom', ...common]);
  t.is(threw.code, 1);
  t.regex(threw.stdout, /refused: CONTRACT_THREW \(722\)/);
  const again = await runBotpeer(['contract', 'deploy', file, ...common]);
  t.is(again.code, 1);
  t.regex(again.stdout, /refused: CONTRACT_EXISTS/);

  const broken = join(dir, 'broken.js');
  writeFileSync(broken, '({ methods: { f: 1 } })');
  const bad = await runBotpeer(['contract', 'deploy', broken, ...common]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /is not a contract \(BAD_CONTRACT\)/);
  const big = join(dir, 'big.js');
  writeFileSync(big, `({ methods: { f() { return '${'x'.repeat(5000)}'; } } })`);
  t.regex((await runBotpeer(['contract', 'deploy', big, ...common])).stderr, /a transaction holds at most 4096 bytes/);
  const usage = await runBotpeer(['contract', 'invoke', 'abc', 'mint', ...common]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /64 hex digits/);
  t.is((await runBotpeer(['contract', 'invoke', hash, 'mint', '{bad', ...common])).code, 2);
  const unknown = await runBotpeer(['contract', 'query', hash, 'nope', ...common]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /UNKNOWN_METHOD/);
  t.regex((await runBotpeer(['contract', '--help'])).stdout, /contract deploy <file\.js>/);
  // The ledger replays from the genesis, deployed contracts run again in a sandbox of verify's own.
  const verified = await runBotpeer(['verify', '--full', '--data', dir]);
  t.is(verified.code, 0, verified.stderr + verified.stdout);
  t.regex(verified.stdout, /OK: \d+ blocks and \d+ transactions verified from the genesis \(signatures and state replayed\)/);
});

test('contract query against something that is not the gateway says so', async (t) => {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<html>a web server</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const http = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const result = await runBotpeer(['contract', 'query', 'ab'.repeat(32), 'balance', '--http', http]);
  t.is(result.code, 1, result.stderr);
  t.regex(result.stderr, /answered 200 without JSON: is http:\/\/127\.0\.0\.1:\d+ the gateway's HTTP API\?/);
});
