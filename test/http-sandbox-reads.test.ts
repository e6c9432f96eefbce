// The HTTP API's deployed-contract reads run in the sandbox, on the worker that ingest's admission
// of the same contract waits for: only DEFAULT_MAX_SANDBOX_READS may run at once, more are 503 BUSY.

import test from 'ava';
import { DEFAULT_MAX_SANDBOX_READS } from '../tools/gateway/http-api.js';
import type { ContractCallResult } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';

test('sandbox reads past the bound are refused with 503 BUSY, and served again once the running ones end', async (t) => {
  const { dir, remove } = makeChainDir('sandbox-reads');
  t.teardown(remove);
  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(() => gateway.close());
  const release: (() => void)[] = [];
  let started = 0;
  gateway.deployed.query = () => {
    started++;
    return new Promise<ContractCallResult>((resolve) => release.push(() => resolve({ ok: true, result: 1, writes: [], gasUsed: 1 })));
  };
  const url = `${gateway.httpUrl}/contracts/${'ab'.repeat(32)}/query/balance`;
  const running = Array.from({ length: DEFAULT_MAX_SANDBOX_READS }, () => fetch(url));
  while (started < DEFAULT_MAX_SANDBOX_READS) await new Promise((resolve) => setTimeout(resolve, 10));
  const refused = await fetch(url);
  t.is(refused.status, 503);
  t.like(await refused.json(), { code: 'BUSY' });
  for (const done of release.splice(0)) done();
  for (const response of await Promise.all(running)) t.is(response.status, 200);
  const again = fetch(url);
  while (release.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  release[0]!();
  t.is((await again).status, 200);
});
