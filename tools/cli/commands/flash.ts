// `botpeer flash` (tools layer, Node only): builds the firmware for an ESP32 board and flashes it.
// Its options and help text; the work is done by the module it imports.

import { DEFAULT_BOARD, runFlash } from '../flash-command.js';
import { type Command, DATA_HELP, dataOf, noPositionals, str } from './command.js';

export const command: Command = {
  name: 'flash',
  summary: 'build the firmware for an ESP32 board and flash it (wraps Moddable\'s mcconfig)',
  help: `usage: botpeer flash --gateway HOST [--board BOARD] [--ssid NAME] [--password PW] [--port P] [--interval MS] [--batch N] [--dry-run] [--data DIR] …

Builds the light peer firmware (manifest.json) for an ESP32 board and flashes it over USB
by running, in the repository,
  mcconfig -d -m -p esp32/<board> ssid=… password=… gateway=… port=… genesis=… interval=… batch=…
with genesis = the hex of <data>/genesis.cbor. Needs the Moddable SDK ($MODDABLE, its tools
built, mcconfig) and ESP-IDF ($IDF_PATH, \`source $IDF_PATH/export.sh\`); says which is
missing, and runs nothing, when they are not there. The gateway must listen where the board
can reach it (npx botpeer gateway --mqtt-host 0.0.0.0). On first boot the device prints the
\`npx botpeer device enroll <hex>\` line to run (docs/firmware.md).

options:
  --gateway HOST            the gateway's MQTT broker as the board reaches it (IPv4 or host name; required)
  --board BOARD             Moddable ESP32 target, e.g. nodemcu, esp32s3, m5stack (default ${DEFAULT_BOARD}:
                            the plain ESP32 DevKit)
  --ssid NAME               Wi-Fi network to join
  --password PW             its password
  --port P                  the broker's port (default 1883)
  --interval MS             sampling interval (default 10000)
  --batch N                 readings per series per transaction (default 6)
  --outbox N                signed transactions kept until final (default 48)
  --sntp HOST               time server (default pool.ntp.org)
  --release                 a release build (console on the serial port) instead of -d (xsbug)
  --dry-run                 print the exact command and environment, run nothing
${DATA_HELP}`,
  options: {
    board: { type: 'string' },
    ssid: { type: 'string' },
    password: { type: 'string' },
    gateway: { type: 'string' },
    port: { type: 'string' },
    interval: { type: 'string' },
    batch: { type: 'string' },
    outbox: { type: 'string' },
    sntp: { type: 'string' },
    release: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  run(values, positionals, { crypto, out }) {
    noPositionals(positionals, 'flash');
    return runFlash(crypto, {
      data: dataOf(values), board: str(values, 'board'), ssid: str(values, 'ssid'), password: str(values, 'password'), gateway: str(values, 'gateway'),
      port: str(values, 'port'), interval: str(values, 'interval'), batch: str(values, 'batch'), outbox: str(values, 'outbox'), sntp: str(values, 'sntp'),
      release: values.release === true, dryRun: values['dry-run'] === true,
    }, out);
  },
};
