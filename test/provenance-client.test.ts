// The provenance and balance client (tools/cli/provenance-client.ts) against a gateway that is not
// trusted: an answer larger than it can be is refused as it streams in, and one that is not what
// the endpoint returns is a CliError with a message, never an untyped exception.

import test from 'ava';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from '../tools/cli/cli-support.js';
import { fetchBalance, fetchProvenance } from '../tools/cli/provenance-client.js';
import { crypto, makeChainDir } from './support/gateway-fixture.js';

async function serve(t: import('ava').ExecutionContext, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a provenance answer streamed past its 8 MiB bound is refused before it is all read', async (t) => {
  const { chain, remove } = makeChainDir('client-bound');
  t.teardown(remove);
  let sent = 0;
  const http = await serve(t, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/cbor' }); // no length: chunked, endless
    const chunk = new Uint8Array(64 * 1024);
    const write = () => {
      while (sent < 64 * 1024 * 1024 && response.write(chunk)) sent += chunk.length;
      if (sent < 64 * 1024 * 1024) response.once('drain', write);
      else response.end();
    };
    write();
  });
  const error = await t.throwsAsync(fetchProvenance(crypto, chain.genesis, chain.chainId, http, new Uint8Array([1]), undefined), { instanceOf: CliError });
  t.regex(error!.message, /more than the 8388608 bytes/);
  t.true(sent < 64 * 1024 * 1024, 'the client stopped reading');
});

test('a balance answer that is not JSON is a CliError that says so', async (t) => {
  const { chain, remove } = makeChainDir('client-json');
  t.teardown(remove);
  const http = await serve(t, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('<html>not a gateway</html>');
  });
  const error = await t.throwsAsync(fetchBalance(crypto, chain.genesis, http, new Uint8Array(8)), { instanceOf: CliError });
  t.regex(error!.message, /not JSON/);
});
