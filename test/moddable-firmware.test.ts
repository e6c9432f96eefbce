// The firmware itself (manifest.json, hosts/esp32 adapters, hosts/x-cli-lin main) built by
// Moddable's mcconfig for x-cli-lin and run against a real gateway, as a device would be:
// first start makes the key and prints the enrolment request; `botpeer device enroll`
// accepts it; after a restart the same key signs readings that become final on the device
// (headers and proofs verified by it), including those signed before it was enrolled, which
// waited in its flash outbox. The build uses the ESP32's XS budget (see manifest.json), so
// running at all shows the firmware fits it. Skips, saying why, without $MODDABLE.

import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bytesToHex } from '../src/codec/bytes.js';
import { makeChainDir, startTestGateway } from './support/gateway-fixture.js';
import { REPO, buildFirmware, moddableMissing, runModdableApp } from './moddable/moddable-app.js';

const missing = moddableMissing();
const moddableTest = missing ? test.skip : test;
const title = (what: string) => (missing ? `${what} (skipped: ${missing})` : what);

interface Status {
  state: string;
  lastError?: { name: string };
  connected: boolean;
  nextSeq: number;
  outbox: number;
  trustedHeight: number;
  counters: Record<string, number>;
}

const statuses = (stdout: string): Status[] =>
  stdout.split('\n').filter((l) => l.startsWith('botpeer: status ')).map((l) => JSON.parse(l.slice('botpeer: status '.length).replace(/ XS .*$/, '')) as Status);
/** The peer's state changes as the console shows them, in order. */
const stateLines = (stdout: string) => stdout.split('\n').filter((l) => / state [a-z-]+$/.test(l)).map((l) => l.replace(/^.* state /, ''));
const enrolLines = (stdout: string) => stdout.split('\n').filter((l) => l.includes('to enrol this device run:'));
const memoryLines = (stdout: string) => stdout.split('\n').filter((l) => l.includes(' XS ')).map((l) => l.replace(/^.* (XS .*)$/, '$1'));

moddableTest(title('the firmware on x-cli-lin: key on first start, enrolled by the CLI, readings final, state kept across restarts'), async (t) => {
  const binary = buildFirmware();
  const chain = makeChainDir('firmware');
  const gateway = await startTestGateway(chain.dir, { httpPort: 0 });
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'botpeer-device-'));
  t.teardown(async () => {
    await gateway.close();
    chain.remove();
    fs.rmSync(state, { recursive: true, force: true });
  });
  const port = new URL(gateway.mqttUrl).port;
  const env = {
    BOTPEER_GENESIS: bytesToHex(fs.readFileSync(path.join(chain.dir, 'genesis.cbor'))),
    BOTPEER_GATEWAY: '127.0.0.1',
    BOTPEER_PORT: port,
    BOTPEER_STATE: state,
    BOTPEER_INTERVAL: '1000',
    BOTPEER_BATCH: '2',
    BOTPEER_STATUS_MS: '1500',
  };

  // 1. First start: a new key, the enrolment request, and readings signed into the outbox
  //    that the gateway refuses (not enrolled yet).
  const first = await runModdableApp(binary, { env: { ...env, BOTPEER_RUN_MS: '4500' }, timeoutMs: 60_000 });
  t.is(first.code, 0, first.stdout + first.stderr);
  t.regex(first.stdout, /first boot: a new device key was made/);
  const device = /botpeer: device ([0-9a-f]{16}) on chain ([0-9a-f]{16})/.exec(first.stdout);
  t.truthy(device, first.stdout);
  t.is(device![2], bytesToHex(gateway.chain.chainId).slice(0, 16));
  // A command the operator can paste as it is.
  t.regex(first.stdout, /^botpeer: to enrol this device run: npx botpeer device enroll [0-9a-f]+$/m);
  const request = /botpeer device enroll ([0-9a-f]+)/.exec(first.stdout)![1]!;
  const firstStates = stateLines(first.stdout);
  t.deepEqual(firstStates.filter((state, i) => state === firstStates[i - 1]), [], `each state change shown once: ${firstStates.join(', ')}`);
  t.true(firstStates.includes('unenrolled'), firstStates.join(', '));
  const before = statuses(first.stdout).at(-1)!;
  t.true(before.counters.signed! >= 1 && before.outbox >= 1, `signed and kept in the outbox: ${JSON.stringify(before)}`);
  t.is(before.counters.final, 0);

  // 2. The operator enrols it with the command line, from what the device printed.
  // Asynchronously: the gateway (and its embedded broker) runs in this process.
  const enrol = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [path.join(REPO, 'tools/cli/botpeer.mjs'), 'device', 'enroll', request,
      '--data', chain.dir, '--broker', gateway.mqttUrl, '--http', gateway.httpUrl!], (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
  t.is(enrol.status, 0, enrol.stdout + enrol.stderr);
  t.regex(enrol.stdout, new RegExp(`${device![1]}\\s+enrolled: accepted`));

  // 3. Restart: same key (no first boot), the transactions kept in flash go out and become
  //    final, new readings follow, and headers are verified on the device.
  const second = await runModdableApp(binary, { env: { ...env, BOTPEER_RUN_MS: '6000' }, timeoutMs: 60_000 });
  t.is(second.code, 0, second.stdout + second.stderr);
  t.notRegex(second.stdout, /first boot/);
  t.regex(second.stdout, new RegExp(`botpeer: device ${device![1]} `));
  const finals = [...second.stdout.matchAll(/final seq (\d+) in block (\d+)/g)].map((m) => Number(m[1]));
  t.true(finals.includes(1), `seq 1, signed before enrolment, became final: ${finals.join(',')}`);
  const after = statuses(second.stdout).at(-1)!;
  t.is(enrolLines(second.stdout).length, 1, 'not yet known to be enrolled when it booted: the request once more');
  t.is(statuses(second.stdout).at(-1)!.lastError, undefined, 'accepted: UNKNOWN_SENDER is not the last error any more');
  const secondStates = stateLines(second.stdout);
  t.is(secondStates.filter((state) => state === 'online').length, 1, `online once: ${secondStates.join(', ')}`);
  t.true(after.counters.final! >= before.outbox + 1, `final: ${JSON.stringify(after.counters)}`);
  t.true(after.counters.headersVerified! >= 1 && after.trustedHeight >= 1);
  t.true(after.nextSeq > before.nextSeq, 'sequence numbers never reused across restarts');
  t.is(after.counters.proofsRejected, 0);
  t.is(after.counters.headersRejected, 0);

  // 4. And once more: the trusted header and the reserved sequence survive too.
  const third = await runModdableApp(binary, { env: { ...env, BOTPEER_RUN_MS: '3000' }, timeoutMs: 60_000 });
  t.is(third.code, 0, third.stdout + third.stderr);
  const last = statuses(third.stdout).at(-1)!;
  t.deepEqual(enrolLines(third.stdout), [], 'enrolled: no enrolment request on later boots');
  t.true(last.nextSeq > after.nextSeq);
  t.true(last.trustedHeight >= after.trustedHeight, 'trust resumed from storage, not from the genesis');

  t.log(`device ${device![1]}: ${after.counters.final} final in the second run; next seq ${before.nextSeq} → ${after.nextSeq} → ${last.nextSeq}`);
  for (const line of memoryLines(second.stdout).slice(0, 3)) t.log(line);
  t.log(`last: ${memoryLines(second.stdout).at(-1)}`);
});
