// The botpeer command line as a user runs it: `node tools/cli/botpeer.mjs …` in child
// processes, with a real gateway child (embedded broker and HTTP on free ports) and a
// temp data folder.

import test from 'ava';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CryptoProvider, Quantity, TxKind, bytesToHex, createNobleCrypto, decodeGenesis, chainIdOf, generateKeyPair, keyPairFromPrivate,
  hexToBytes, keyId, makeEnrollRequest, readingsBody,
} from '../src/index.js';
import { connectDevice } from './support/mqtt-device.js';
import { BOTPEER, runBotpeer } from './support/run-botpeer.js';

const crypto: CryptoProvider = createNobleCrypto();

const botpeer = (args: readonly string[], cwd?: string) => runBotpeer(args, { cwd });

function tempDir(t: { teardown(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const getJson = async (url: string) => (await fetch(url)).json() as Promise<any>;

test('--help for the tool and for each command', async (t) => {
  const top = await botpeer(['--help']);
  t.is(top.code, 0);
  for (const command of ['init', 'gateway', 'device', 'block', 'tx', 'verify']) t.regex(top.stdout, new RegExp(`^  ${command} `, 'm'));
  for (const command of ['init', 'gateway', 'device', 'block', 'tx', 'verify']) {
    const help = await botpeer([command, '--help']);
    t.is(help.code, 0, command);
    t.regex(help.stdout, new RegExp(`^usage: botpeer ${command}`), command);
    t.is(help.stderr, '');
  }
  const viaHelp = await botpeer(['help', 'device']);
  t.is(viaHelp.code, 0);
  t.regex(viaHelp.stdout, /device enroll --new/);
});

test('usage errors print a message and exit 2, without a stack trace', async (t) => {
  const unknown = await botpeer(['frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /^botpeer: unknown command "frobnicate"/);
  t.regex(unknown.stderr, /usage: botpeer <command>/);
  const none = await botpeer([]);
  t.is(none.code, 2);
  t.regex(none.stderr, /usage: botpeer <command>/);
  for (const args of [['init', '--bogus'], ['block'], ['tx', 'xyz'], ['block', '0'], ['gateway', '--mqtt-port', 'abc'], ['device', 'frob'], ['device', 'revoke', 'nothex'], ['gateway', '--broker-devices', 'mqtt://127.0.0.1:1883'], ['broker', 'config', '--broker', 'nats', '--out', 'x']]) {
    const r = await botpeer(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /^botpeer: /, args.join(' '));
    t.notRegex(r.stderr, /\n\s+at /, args.join(' '));
  }
});

test('init creates a chain and refuses an existing one without --force', async (t) => {
  const dir = tempDir(t, 'botpeer-cli-init-');
  const data = join(dir, 'chain');
  const first = await botpeer(['init', '--data', data, '--name', 'farm']);
  t.is(first.code, 0, first.stderr);
  const chainId = /chain ([0-9a-f]{16}) "farm" \(private\)/.exec(first.stdout)?.[1];
  t.truthy(chainId);
  t.regex(first.stdout, /operator\s+[0-9a-f]{16}/);
  t.true(existsSync(join(data, 'keys', 'operator.key')));
  t.is(bytesToHex(chainIdOf(crypto, decodeGenesis(new Uint8Array(readFileSync(join(data, 'genesis.cbor')))))), chainId!);

  const again = await botpeer(['init', '--data', data]);
  t.is(again.code, 1);
  t.regex(again.stderr, /^botpeer: .*already holds a chain.*--force/);
  t.notRegex(again.stderr, /\n\s+at /);

  const forced = await botpeer(['init', '--data', data, '--force', '--consortium', '--validator', bytesToHex(generateKeyPair(crypto, (n) => crypto.sha256(new Uint8Array([n]))).publicKey), '--threshold', '1']);
  t.is(forced.code, 0, forced.stderr);
  t.regex(forced.stdout, /\(consortium\)/);
  t.regex(forced.stdout, /1 of 2 sign each block/);
  t.false(forced.stdout.includes(chainId!));

  // The default data folder is .botpeer in the current directory.
  const here = await botpeer(['init'], dir);
  t.is(here.code, 0, here.stderr);
  t.true(existsSync(join(dir, '.botpeer', 'genesis.cbor')));
});

test('gateway, device enroll/revoke, block, tx and verify through the CLI', async (t) => {
  const dir = tempDir(t, 'botpeer-cli-gw-');
  const data = join(dir, 'chain');
  t.is((await botpeer(['init', '--data', data, '--name', 'cli'])).code, 0);
  const genesis = decodeGenesis(new Uint8Array(readFileSync(join(data, 'genesis.cbor'))));
  const chainId = chainIdOf(crypto, genesis);

  const gateway: ChildProcess = spawn(process.execPath, [BOTPEER, 'gateway', '--data', data, '--mqtt-port', '0', '--http-port', '0', '--block-interval', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let gwOut = '';
  let gwErr = '';
  gateway.stdout!.on('data', (c) => (gwOut += c));
  gateway.stderr!.on('data', (c) => (gwErr += c));
  const exited = new Promise<number | null>((resolve) => gateway.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill('SIGKILL');
  });
  const [mqttUrl, httpUrl] = await until(() => {
    const m = /devices connect to (mqtt:\/\/[\d.]+:\d+)/.exec(gwOut);
    const h = /HTTP API at (http:\/\/[\d.]+:\d+)/.exec(gwOut);
    if (gateway.exitCode !== null) throw new Error(`gateway exited: ${gwErr}`);
    return m && h ? [m[1]!, h[1]!] : undefined;
  }, 'the gateway to start');
  const net = ['--data', data, '--broker', mqttUrl, '--http', httpUrl];

  // Two new simulated devices, and one that printed an enrolment request.
  const enrolled = await botpeer(['device', 'enroll', '--new', '--count', '2', ...net]);
  t.is(enrolled.code, 0, enrolled.stderr + enrolled.stdout);
  const newIds = [...enrolled.stdout.matchAll(/^([0-9a-f]{16})  enrolled: accepted  seq (\d+)/gm)].map((m) => m[1]!);
  t.is(newIds.length, 2);
  t.regex(enrolled.stdout, /  seq 1 /);
  for (const id of newIds) t.true(existsSync(join(data, 'devices', `${id}.key`)));

  const requested = generateKeyPair(crypto, (n) => crypto.sha256(new TextEncoder().encode(`cli-request-${n}`)));
  const requestedId = bytesToHex(keyId(crypto, requested.publicKey));
  const request = bytesToHex(makeEnrollRequest(crypto, chainId, requested));
  const byRequest = await botpeer(['device', 'enroll', request, ...net]);
  t.is(byRequest.code, 0, byRequest.stderr + byRequest.stdout);
  t.regex(byRequest.stdout, new RegExp(`^${requestedId}  enrolled: accepted  seq 3 `, 'm'));

  // A request whose signature was tampered with is refused before anything is sent.
  const forged = request.slice(0, -2) + (request.endsWith('00') ? '01' : '00');
  const refused = await botpeer(['device', 'enroll', forged, ...net]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /BAD_SIGNATURE/);
  // Enrolling the same key again is rejected by the gateway: exit 1 with the error name.
  const duplicate = await botpeer(['device', 'enroll', request, ...net]);
  t.is(duplicate.code, 1);
  t.regex(duplicate.stdout, /not enrolled: DUPLICATE_DEVICE/);

  // A --new device's key file works: it sends readings as itself.
  const key = keyPairFromPrivate(crypto, hexToBytes(readFileSync(join(data, 'devices', `${newIds[0]}.key`), 'utf8').trim()));
  const device = await connectDevice(mqttUrl, crypto, chainId, key);
  t.teardown(() => device.close());
  const readingsId = bytesToHex(await device.send({ kind: TxKind.READINGS, sender: device.id, seq: 1, time: Math.floor(Date.now() / 1000), body: readingsBody([{ quantity: Quantity.CO2_PPM, scale: 0, interval: 60, values: [410, 415] }]) }));
  await device.waitFor(() => device.proofs.has(1), 'the readings in a block');
  t.is(device.acks.get(1)?.code, 0);

  const revoked = await botpeer(['device', 'revoke', requestedId, ...net]);
  t.is(revoked.code, 0, revoked.stderr + revoked.stdout);
  // The rejected duplicate used no sequence number: the revocation is the operator's 4th.
  t.regex(revoked.stdout, /revoked: accepted  seq 4 /);
  await until(async () => (await getJson(`${httpUrl}/registry/${requestedId}`)).status === 'REVOKED' || undefined, 'the revocation in a block');
  await until(async () => (await getJson(`${httpUrl}/status`)).pending === 0 || undefined, 'an empty pool');

  // block and tx read the ledger directly, while the gateway runs, and agree with the HTTP API.
  const latest = await botpeer(['block', 'latest', '--data', data]);
  t.is(latest.code, 0, latest.stderr);
  const block = JSON.parse(latest.stdout);
  t.true(block.height >= 2);
  t.deepEqual(block, await getJson(`${httpUrl}/blocks/${block.height}`));
  const one = await botpeer(['block', '1', '--data', data]);
  t.deepEqual(JSON.parse(one.stdout), await getJson(`${httpUrl}/blocks/1`));

  const tx = await botpeer(['tx', readingsId, '--data', data]);
  t.is(tx.code, 0, tx.stderr);
  const txJson = JSON.parse(tx.stdout);
  t.true(txJson.verified);
  t.is(txJson.kind, 'READINGS');
  t.deepEqual(txJson.body.series[0].readings.map((r: any) => r.value), [410, 415]);
  t.deepEqual(txJson, await getJson(`${httpUrl}/tx/${readingsId}`));
  const missing = await botpeer(['tx', 'ab'.repeat(32), '--data', data]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /^botpeer: no transaction/);
  const beyond = await botpeer(['block', '100000', '--data', data]);
  t.is(beyond.code, 1);

  const verified = await botpeer(['verify', '--data', data]);
  t.is(verified.code, 0, verified.stderr);
  t.regex(verified.stdout, /OK: \d+ blocks and 5 transactions verified from the genesis/);
  const full = await botpeer(['verify', '--full', '--data', data]);
  t.is(full.code, 0, full.stderr);
  t.regex(full.stdout, /signatures and state replayed/);

  // SIGTERM stops the gateway cleanly.
  gateway.kill('SIGTERM');
  t.is(await exited, 0, gwErr);
  t.regex(gwOut, /stopped at height \d+/);
  t.regex(gwOut, /^height \d+ \| [\d.]+ tx\/s accepted \| pending \d+ \| rejected \d+/m);

  // Without a gateway, enrolment fails with a clear message (exit 1).
  const offline = await botpeer(['device', 'enroll', '--new', '--data', data, '--broker', 'mqtt://127.0.0.1:1', '--seq', '100', '--timeout', '2000']);
  t.is(offline.code, 1);
  t.regex(offline.stderr, /^botpeer: cannot connect to the broker at mqtt:\/\/127\.0\.0\.1:1/);

  // verify names the first block that fails: here a transaction's stored bytes are altered.
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(join(data, 'ledger.sqlite'));
  const row = db
    .prepare('SELECT t.n, t.wire, (SELECT height FROM blocks b WHERE b.first_n <= t.n AND t.n < b.first_n + b.tx_count) AS height FROM txs t WHERE tx_id = ?')
    .get(Buffer.from(hexToBytes(readingsId))) as { n: number; height: number; wire: Buffer };
  const wire = Buffer.from(row.wire);
  wire[wire.length - 1] = wire[wire.length - 1]! ^ 1;
  db.prepare('UPDATE txs SET wire = ? WHERE n = ?').run(wire, row.n);
  db.close();
  const broken = await botpeer(['verify', '--data', data]);
  t.is(broken.code, 1);
  t.regex(broken.stderr, new RegExp(`^botpeer: verification failed at block ${row.height}: transaction \\d+: its bytes do not hash to its id`));
});
