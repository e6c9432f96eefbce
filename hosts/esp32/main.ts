// The ESP32 firmware's composition root (device host layer): the only place where the
// device's adapters are chosen and wired into the light peer. Platform differences
// reach it through the manifest only: "botpeer/hosts/esp32/network" keeps Wi-Fi up and
// the clock set on an ESP32 and does nothing on the desktop simulators;
// "botpeer/hosts/esp32/board" gives the board's sensors, LED, RNG and flash area
// (ECMA-419 `device` on an ESP32).
//
// Boot: Moddable's setup/network joins the Wi-Fi and sets the clock (SNTP) → main:
// settings from mc/config → network watch + gateway address → key (first boot: made
// from the hardware RNG, with the radio on) → enrolment request printed on the serial
// console → the peer runs.

import config from 'mc/config';
import { createSecp256k1Crypto } from '../../modules/crypto-secp256k1/crypto-secp256k1.js';
import { bringUpNetwork } from './network.js';
import { createTimerClock } from '../moddable/clock-timer.js';
import { type FirmwareSettings, parseFirmwareSettings } from '../moddable/firmware-settings.js';
import { maxReadingsTxBytes, startFirmware } from '../moddable/firmware.js';
import { createConsoleLog } from '../moddable/log-console.js';
import { createFlashOutbox } from '../moddable/outbox-flash.js';
import { createStatusLed } from '../moddable/status-led.js';
import { createPreferenceStore } from '../moddable/store-preference.js';
import { createTcpTransport } from '../moddable/transport-tcp-419.js';
import { openClimateSensors } from '../moddable/sensors-climate.js';
import { boardDrivers, boardFlash, boardLed, boardOutput, boardRandom } from './board.js';
import { createDigitalActuator } from '../moddable/actuator-digital.js';
import { LogLevel } from '../../src/ports/index.js';

const write = (text: string) => trace(text);
const log = createConsoleLog(write);
const print = (line: string) => write(`${line}\n`);

function boot(settings: FirmwareSettings, address: string): void {
  const crypto = createSecp256k1Crypto();
  const clock = createTimerClock();
  const store = createPreferenceStore();
  // Seed for the simulated fallback sensors only; the key comes from the RNG in the peer.
  const climate = openClimateSensors(boardDrivers(), boardRandom(8), () => clock.now(), log);
  const outbox = createFlashOutbox(boardFlash(), {
    capacity: settings.outboxCapacity,
    maxTxBytes: maxReadingsTxBytes(climate.sensors.length, climate.sensors.length * settings.batchSize),
  });
  // A watch rule without its own pin drives the LED: the status LED then stays off it.
  const output = settings.watch ? boardOutput(settings.watchPin) : undefined;
  const led = settings.watch && settings.watchPin === undefined ? undefined : boardLed();
  startFirmware(settings, {
    crypto, clock, store, outbox, log, print,
    random: boardRandom,
    transport: createTcpTransport({ address, port: settings.gatewayPort }),
    sensors: climate.sensors,
    ...(led ? { led: createStatusLed(led, clock) } : {}),
    ...(settings.watch && output ? { actuator: createDigitalActuator(settings.watch.actuator, output, log) } : {}),
  });
}

try {
  const settings = parseFirmwareSettings(config as Record<string, unknown>);
  bringUpNetwork(settings, log, (address) => {
    try {
      boot(settings, address);
    } catch (error) {
      log(LogLevel.ERROR, `cannot start: ${String(error)}`);
    }
  });
} catch (error) {
  log(LogLevel.ERROR, `cannot start: ${String(error)}`);
}
