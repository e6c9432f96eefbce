// The firmware on Moddable's headless Linux platform (x-cli-lin host layer): the same
// firmware as on an ESP32 (hosts/moddable: firmware.ts and the platform-neutral adapters:
// timer clock, ECMA-419 TCP transport, flash-log outbox, status LED), with what a
// computer has instead of a board: settings from the environment (x-cli builds have no
// mc/config), durable files for the key-value store, a file that behaves like NOR
// flash for the outbox, the OS random generator, simulated sensors, the LED on the log.
//
//   BOTPEER_GENESIS   hex of genesis.cbor          BOTPEER_GATEWAY  broker IPv4 (127.0.0.1)
//   BOTPEER_PORT      broker port (1883)           BOTPEER_STATE    state folder (./botpeer-state)
//   BOTPEER_INTERVAL  sampling ms                  BOTPEER_BATCH    readings per series per tx
//   BOTPEER_OUTBOX    outbox capacity              BOTPEER_RUN_MS   stop after this long (tests)
//   BOTPEER_STATUS_MS print status + XS memory this often (default 10000)
//   BOTPEER_MEMORY    set: print XS memory (after a collection) after each start-up step

import { createSecp256k1Crypto } from '../../modules/crypto-secp256k1/crypto-secp256k1.js';
import { randomBytes } from '../../modules/random-hw/random-hw.js';
import { LogLevel } from '../../src/ports/index.js';
import { createTimerClock } from '../moddable/clock-timer.js';
import { maxReadingsTxBytes, startFirmware } from '../moddable/firmware.js';
import { parseFirmwareSettings } from '../moddable/firmware-settings.js';
import { createConsoleLog } from '../moddable/log-console.js';
import { createFlashOutbox } from '../moddable/outbox-flash.js';
import { openClimateSensors } from '../moddable/sensors-climate.js';
import { createStatusLed } from '../moddable/status-led.js';
import { createTcpTransport } from '../moddable/transport-tcp-419.js';
import { FileFlash, exit, getenv, makeDirectory, memory, write } from './host.js';
import { createFileStore } from './store-file-lin.js';

const FLASH_BYTES = 64 * 1024; // the size of the "storage" partition the ESP32 build makes

const log = createConsoleLog(write, getenv('BOTPEER_DEBUG') ? LogLevel.DEBUG : LogLevel.INFO);
const print = (line: string) => write(`${line}\n`);
const mem = (m = memory(true)) => `XS ${m.chunks} chunk bytes (peak ${m.peakChunks}), ${m.slots} slots (peak ${m.peakSlots})`;

const steps = getenv('BOTPEER_MEMORY') !== undefined;
const step = (what: string) => {
  if (steps) print(`botpeer: memory after ${what}: ${mem()}`);
};

try {
  const atBoot = memory(true);
  step('boot');
  const settings = parseFirmwareSettings({
    genesis: getenv('BOTPEER_GENESIS'),
    gateway: getenv('BOTPEER_GATEWAY') ?? '127.0.0.1',
    port: getenv('BOTPEER_PORT'),
    interval: getenv('BOTPEER_INTERVAL'),
    batch: getenv('BOTPEER_BATCH'),
    outbox: getenv('BOTPEER_OUTBOX'),
  });
  step('settings');
  const stateDir = getenv('BOTPEER_STATE') ?? './botpeer-state';
  makeDirectory(stateDir);
  const crypto = createSecp256k1Crypto();
  const clock = createTimerClock();
  const store = createFileStore(`${stateDir}/store`);
  step('crypto, clock, store');
  const climate = openClimateSensors([], randomBytes(8), () => clock.now(), log);
  step('sensors');
  const outbox = createFlashOutbox(new FileFlash(`${stateDir}/outbox.flash`, FLASH_BYTES), {
    capacity: settings.outboxCapacity,
    maxTxBytes: maxReadingsTxBytes(climate.sensors.length, climate.sensors.length * settings.batchSize),
  });
  step('outbox');
  const led = createStatusLed(() => {}, clock); // no LED here; the state is on the log
  const firmware = startFirmware(settings, {
    crypto, clock, store, outbox, log, print, led,
    ...(steps ? { onStep: step } : {}),
    random: randomBytes,
    transport: createTcpTransport({ address: settings.gatewayHost, port: settings.gatewayPort }),
    sensors: climate.sensors,
  });
  step('session and peer started');
  print(`botpeer: memory at boot ${mem(atBoot)}; after start ${mem()}`);

  const statusMs = Number(getenv('BOTPEER_STATUS_MS') ?? 10_000);
  const status = () => {
    const s = firmware.peer.status();
    print(`botpeer: status ${JSON.stringify({ state: s.state, connected: s.connected, nextSeq: s.nextSeq, outbox: s.outbox, trustedHeight: s.trustedHeight, counters: s.counters, lastError: s.lastError })} ${mem()}`);
  };
  if (statusMs > 0) {
    const tick = () => {
      status();
      clock.setTimer(statusMs, tick);
    };
    clock.setTimer(statusMs, tick);
  }
  const runMs = Number(getenv('BOTPEER_RUN_MS') ?? 0);
  if (runMs > 0) {
    clock.setTimer(runMs, () => {
      status();
      firmware.peer.stop();
      led.stop();
      print('botpeer: stopped');
      clock.setTimer(200, () => exit(0)); // let the DISCONNECT go out
    });
  }
} catch (error) {
  log(LogLevel.ERROR, `cannot start: ${String(error)}`);
  exit(2);
}
