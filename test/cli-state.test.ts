// `botpeer state` (issue 12): one contract-state entry printed with its proof checked against a
// header the CLI verified from the genesis, over a ledger the real gateway wrote (and keeps
// writing while the command reads it).

import test from 'ava';
import { bytesToHex, keyId } from '../src/index.js';
import { crypto, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { runBotpeer } from './support/run-botpeer.js';

test('botpeer state prints an enrolled device, its absence from the blocklist, and refuses bad arguments', async (t) => {
  const { dir, chain, remove } = makeChainDir('cli-state');
  const gateway = await startTestGateway(dir);
  t.teardown(async () => {
    await gateway.close();
    remove();
  });
  const device = newDeviceKey();
  const id = bytesToHex(keyId(crypto, device.publicKey));
  await enroll(gateway.mqttUrl, chain, [device]);

  const enrolled = await runBotpeer(['state', 'registry', id, '--data', dir]);
  t.is(enrolled.code, 0, enrolled.stderr);
  t.regex(enrolled.stdout, new RegExp(`^registry ${id}: present at height \\d+`, 'm'));
  t.regex(enrolled.stdout, new RegExp(`^value 8648${id}5821${bytesToHex(device.publicKey)}0200`, 'm'));
  t.regex(enrolled.stdout, /^account: role 2, status ACTIVE, lastSeq 0/m);
  t.regex(enrolled.stdout, /membership proof verified against header \d+, itself verified from the genesis/);

  const notBlocked = await runBotpeer(['state', '0001', id, '--data', dir]);
  t.is(notBlocked.code, 0, notBlocked.stderr);
  t.regex(notBlocked.stdout, new RegExp(`^0001 ${id}: absent at height \\d+`, 'm'));
  t.regex(notBlocked.stdout, /non-membership proof verified/);

  const bad = await runBotpeer(['state', 'registry', 'xyz', '--data', dir]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /key must be hex/);
  t.log(enrolled.stdout.trim());
});
