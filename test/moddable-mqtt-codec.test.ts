// The firmware's MQTT codec decision, measured (test layer): the peer's own client on
// mqtt-packet (what the firmware ships) and Moddable's ECMA-419 MQTT client, built into one
// x-cli-lin app from the firmware's modules, preloaded as manifest.json preloads them, with
// the ESP32's XS budget. Both must round-trip QoS 1 messages through a real broker (aedes);
// the byte code each path adds and XS's live memory at each step are printed as figures,
// never asserted. docs/firmware.md records them and the decision. Skips without $MODDABLE.

import test from 'ava';
import path from 'node:path';
import { firmwareModules, readManifest } from './moddable/firmware-manifest.js';
import { REPO, buildManifestApp, byteCodeSizes, moddableMissing, resultOf, runModdableApp } from './moddable/moddable-app.js';
import { startAedes } from './support/mqtt-client-support.js';

const missing = moddableMissing();
const moddableTest = missing ? test.skip : test;
const title = (what: string) => (missing ? `${what} (skipped: ${missing})` : what);

interface Report {
  mode: string;
  rounds: number;
  received: number;
  delivered: number;
  corrupt: number;
  error?: string;
  roundTripMicroseconds: number;
  steps: { step: string; chunks: number; slots: number }[];
  peak: { chunks: number; slots: number };
  slotBytes: number;
}

/** The firmware's modules that the packet path needs, taken from manifest.json by name. */
const PACKET_PATH = /^botpeer\/(src\/mqtt\/client\/|src\/ports\/|src\/errors\/|hosts\/moddable\/(transport-tcp-419|clock-timer)$)/;
/** Module names (as in the build's modules folder) of each codec path, for byte-code sizes. */
const CODEC_MODULES = {
  packet: /^(mqtt-packet|botpeer\/src\/mqtt\/client\/.*)$/,
  transport: /^botpeer\/hosts\/moddable\/transport-tcp-419$/,
  ecma419: /^~\.embedded\/network\/mqtt\/client$/, // mcconfig stores "embedded:x" as "~.embedded/x"
};

function appManifest(): Record<string, unknown> {
  const root = readManifest(path.join(REPO, 'manifest.json'));
  const xcli = readManifest(path.join(REPO, 'hosts/x-cli-lin/manifest.json'));
  const modules = firmwareModules('x-cli-lin', PACKET_PATH);
  const main = 'botpeer/test/moddable/apps/mqtt-compare';
  return {
    include: [
      '$(MODDABLE)/examples/manifest_typings.json',
      path.join(REPO, 'hosts/x-cli-lin/manifest_host.json'),
      path.join(REPO, 'modules/mqtt-packet/manifest.json'),
    ],
    modules: {
      ...modules,
      'embedded:network/mqtt/client': '$(MODDABLE)/examples/io/tcp/mqttclient/mqttclient',
      [main]: path.join(REPO, 'test/moddable/apps/mqtt-compare'),
    },
    preload: [...Object.keys(modules), 'embedded:network/mqtt/client'],
    typescript: root.typescript,
    creation: { ...xcli.creation, main },
    platforms: { 'x-cli-lin': {}, '...': { error: 'test apps build for x-cli-lin only' } },
  };
}

moddableTest(title('MQTT codec: mqtt-packet (the peer\'s client) and Moddable\'s ECMA-419 client both round-trip QoS 1 under XS; figures'), async (t) => {
  const { binary, modulesDir } = buildManifestApp('botpeer-mqtt', appManifest());
  const broker = await startAedes();
  t.teardown(() => broker.stop());

  const reports: Record<string, Report> = {};
  for (const mode of ['packet', '419']) {
    const run = await runModdableApp(binary, { env: { BOTPEER_MQTT: mode, BOTPEER_PORT: String(broker.port) }, timeoutMs: 60_000 });
    const report = resultOf<Report>(run);
    t.is(run.code, 0, `${mode}: ${report.error ?? ''}\n${run.stdout}${run.stderr}`);
    t.is(report.received, report.rounds, `${mode}: every message came back`);
    t.is(report.delivered, report.rounds, `${mode}: every PUBACK`);
    t.is(report.corrupt, 0, `${mode}: payloads intact`);
    reports[mode] = report;
  }

  const sizes = byteCodeSizes(modulesDir);
  const sum = (pattern: RegExp) => [...sizes].filter(([name]) => pattern.test(name)).reduce((n, [, size]) => n + size, 0);
  const packetBytes = sum(CODEC_MODULES.packet);
  const transportBytes = sum(CODEC_MODULES.transport);
  const ecmaBytes = sum(CODEC_MODULES.ecma419);
  t.true(packetBytes > 0 && transportBytes > 0 && ecmaBytes > 0, `byte code found: ${[...sizes.keys()].join(', ')}`);
  for (const [name, size] of [...sizes].filter(([n]) => CODEC_MODULES.packet.test(n) || CODEC_MODULES.ecma419.test(n) || CODEC_MODULES.transport.test(n))) {
    t.log(`  ${name.padEnd(44)} ${String(size).padStart(6)} B`);
  }
  t.log(`byte code: mqtt-packet + the peer's client ${packetBytes} B (+ TCP transport ${transportBytes} B) = ${packetBytes + transportBytes} B; ECMA-419 client ${ecmaBytes} B`);
  for (const [mode, r] of Object.entries(reports)) {
    const base = r.steps[0]!;
    t.log(`${mode}: ${r.rounds} round trips of QoS 1, ${r.roundTripMicroseconds} µs each; live after GC, relative to start (${base.chunks} B, ${base.slots} slots, ${r.slotBytes}-byte slots):`);
    for (const s of r.steps) t.log(`  ${s.step.padEnd(26)} +${String(s.chunks - base.chunks).padStart(6)} B chunks  +${String(s.slots - base.slots).padStart(4)} slots`);
  }
});
