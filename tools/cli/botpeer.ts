// The botpeer command line (tools layer, Node only). Run it as `node tools/cli/botpeer.mjs`
// (a shim that registers tsx), `npm run botpeer -- …` or `npm run gateway -- …`.
//
// Exit codes: 0 success, 1 failure (no chain, gateway unreachable, a rejected transaction,
// a chain that does not verify…), 2 wrong usage. Errors go to stderr as `botpeer: <message>`;
// expected errors never print a stack trace (BOTPEER_DEBUG=1 prints one for anything).

import { join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { Permission, bytesToHex, hexToBytes, isCompressedPublicKey, keyId } from '../../src/index.js';
import { createNativeCrypto } from '../gateway/crypto-secp256k1-node.js';
import { initChain } from '../gateway/data-dir.js';
import { RequestError, blockJson, parseHeight, parseTxId, permissionName, txJson } from '../gateway/ledger-json.js';
import { CliError, DEFAULT_DATA_DIR, ProgressLine, UsageError, intOption, openLedger, readGenesis } from './cli-support.js';
import { DEFAULT_BROKER, DEFAULT_HTTP, deviceEnroll, deviceRevoke } from './device-command.js';
import { brokerCommand } from './broker-config-command.js';
import { DEFAULT_BOARD, runFlash } from './flash-command.js';
import { runGateway } from './gateway-command.js';
import { FLEET_OPTIONS_HELP, runSim } from './sim-command.js';
import { START_DEFAULT_DEVICES, runStart } from './start-command.js';
import { VerifyFailure, verifyChain } from './verify-chain.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

interface Command {
  readonly summary: string;
  readonly help: string;
  readonly options: Options;
  run(values: Values, positionals: string[]): Promise<number>;
}

const out = (line: string) => void process.stdout.write(line + '\n');
const crypto = createNativeCrypto();

const common: Options = {
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};
const dataOf = (values: Values) => (values.data as string | undefined) ?? DEFAULT_DATA_DIR;
const str = (values: Values, name: string) => values[name] as string | undefined;

const DATA_HELP = `  --data DIR                the chain's data folder (default ${DEFAULT_DATA_DIR} in the current directory)`;

const fleetOptions: Options = {
  devices: { type: 'string' },
  interval: { type: 'string' },
  batch: { type: 'string' },
  outbox: { type: 'string' },
  duration: { type: 'string' },
  'fleet-dir': { type: 'string' },
  'no-fsync': { type: 'boolean' },
};
const fleetValues = (values: Values) => ({
  devices: str(values, 'devices'), interval: str(values, 'interval'), batch: str(values, 'batch'), outbox: str(values, 'outbox'),
  duration: str(values, 'duration'), fleetDir: str(values, 'fleet-dir'), noFsync: values['no-fsync'] === true,
});

const commands: Record<string, Command> = {
  broker: brokerCommand,
  start: {
    summary: 'the whole system in one process: a chain (created if missing), the gateway and a fleet of simulated devices',
    help: `usage: botpeer start [--devices N] [--interval MS] [--duration S] [--mqtt-port P] [--http-port P] [--data DIR] …

What \`npm start\` runs. Creates a private chain in the data folder if it holds none, starts
the gateway (embedded MQTT broker, SQLite ledger, blocks, HTTP API) and N simulated light
peers in the same process. The devices enrol with the operator key, sign their readings,
send them over MQTT, verify every block header and their own inclusion proofs. Runs until
Ctrl-C or --duration, then prints a summary. Devices keep their keys, sequence numbers and
outboxes in <data>/fleet, so a second run continues the first.

options:
  --devices N               simulated devices (default ${START_DEFAULT_DEVICES})
${FLEET_OPTIONS_HELP}
  --name NAME               the chain's name when one is created (default botpeer)
  --mqtt-host H             address of the embedded broker (default 127.0.0.1)
  --mqtt-port P             its port (default 1883; 0 picks a free one)
  --http-host H             address of the HTTP API (default 127.0.0.1)
  --http-port P             its port (default 8080; 0 picks a free one; -1 turns it off)
  --block-interval MS       milliseconds between blocks while transactions are pending (default 1000)
  --verbose                 print a line for every block
${DATA_HELP}`,
    options: {
      ...fleetOptions,
      name: { type: 'string' },
      'mqtt-host': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'http-host': { type: 'string' },
      'http-port': { type: 'string' },
      'block-interval': { type: 'string' },
      verbose: { type: 'boolean' },
    },
    run(values, positionals) {
      noPositionals(positionals, 'start');
      return runStart(crypto, {
        ...fleetValues(values), data: dataOf(values), name: str(values, 'name'), mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'),
        httpHost: str(values, 'http-host'), httpPort: str(values, 'http-port'), blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
      }, out);
    },
  },

  sim: {
    summary: 'run a fleet of simulated devices (the real light peer) against a running gateway',
    help: `usage: botpeer sim [--devices N] [--broker URL] [--interval MS] [--batch N] [--duration S] [--fleet-dir DIR] [--data DIR] …

Runs N light peers in this process, each in its own folder (key, reserved sequence
numbers, trusted header, outbox), with simulated sensors (temperature with a daily cycle,
humidity, battery), against the gateway's broker. Devices not enrolled on this chain yet
are enrolled first with the operator key (as \`botpeer device enroll\`). Shows a live
progress line; Ctrl-C (or --duration) stops cleanly: what is signed and not final stays
in the outboxes and is sent on the next run. Exits 1 if the devices cannot be enrolled.

options:
  --devices N               simulated devices (default 10, at most 10000)
${FLEET_OPTIONS_HELP}
  --broker URL              the gateway's MQTT broker (default ${DEFAULT_BROKER})
  --http URL                the gateway's HTTP API, asked for the operator's next sequence
                            number when enrolling (default ${DEFAULT_HTTP}; without it the
                            ledger in the data folder is read)
  --operator-key FILE       the operator's private key (default <data>/keys/operator.key)
  --timeout MS              give up enrolling when no acknowledgement came for this long (default 10000)
${DATA_HELP}`,
    options: {
      ...fleetOptions,
      broker: { type: 'string' },
      http: { type: 'string' },
      'operator-key': { type: 'string' },
      timeout: { type: 'string' },
    },
    run(values, positionals) {
      noPositionals(positionals, 'sim');
      return runSim(crypto, {
        ...fleetValues(values), data: dataOf(values), broker: str(values, 'broker'), http: str(values, 'http'),
        operatorKey: str(values, 'operator-key'), timeout: str(values, 'timeout'),
      }, out);
    },
  },

  init: {
    summary: 'create a chain: genesis, this gateway\'s validator key and the operator key',
    help: `usage: botpeer init [--name NAME] [--consortium] [--validator HEXKEY]… [--threshold K] [--force] [--data DIR]

Creates a chain in the data folder: genesis.cbor (and genesis.json), keys/gateway.key
(this gateway's validator key) and keys/operator.key (signs enrolments; a consortium
keeps it off the gateways). The chain id is derived from the genesis.

options:
  --name NAME               the chain's name, up to 32 bytes (default botpeer)
  --consortium              a consortium chain (several members, each with a validating gateway);
                            default: private (one operator)
  --validator HEXKEY        another member's validator public key (33-byte compressed, hex);
                            repeat for each. This gateway's key is always in the set.
  --threshold K             signatures a block needs (default: a majority of the validators)
  --force                   replace an existing chain in the folder, and its ledger
${DATA_HELP}`,
    options: {
      name: { type: 'string' },
      consortium: { type: 'boolean' },
      validator: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      force: { type: 'boolean' },
    },
    async run(values, positionals) {
      noPositionals(positionals, 'init');
      const dir = dataOf(values);
      const name = str(values, 'name') ?? 'botpeer';
      if (new TextEncoder().encode(name).length > 32) throw new UsageError('--name must be at most 32 bytes', 'init');
      const others = ((values.validator as string[] | undefined) ?? []).map((hex) => {
        const key = /^([0-9a-fA-F]{2}){33}$/.test(hex) ? hexToBytes(hex.toLowerCase()) : undefined;
        if (!key || !isCompressedPublicKey(key)) throw new UsageError(`--validator must be a 33-byte compressed public key in hex (66 digits), got ${JSON.stringify(hex.slice(0, 70))}`, 'init');
        return key;
      });
      const size = others.length + 1;
      const threshold = values.threshold === undefined ? undefined : intOption(str(values, 'threshold'), '--threshold', 1, 1, size);
      let chain;
      try {
        chain = initChain(crypto, {
          dir, name, otherValidators: others, force: values.force === true,
          permission: values.consortium ? Permission.CONSORTIUM : Permission.PRIVATE,
          ...(threshold === undefined ? {} : { threshold }),
        });
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const { genesis } = chain;
      out(`chain ${bytesToHex(chain.chainId)} "${name}" (${permissionName(genesis.permission)}) created in ${resolve(dir)}`);
      out(`validators (${genesis.validators.threshold} of ${genesis.validators.keys.length} sign each block):`);
      for (const key of genesis.validators.keys) {
        const mine = bytesToHex(key) === bytesToHex(chain.gatewayKey.publicKey);
        out(`  ${bytesToHex(keyId(crypto, key))}  ${bytesToHex(key)}${mine ? '  (this gateway)' : ''}`);
      }
      out(`operator   ${bytesToHex(keyId(crypto, genesis.operatorKey))}  ${bytesToHex(genesis.operatorKey)}`);
      out(`keys:      ${join(dir, 'keys', 'gateway.key')} (this gateway), ${join(dir, 'keys', 'operator.key')} (operator; keep it safe)`);
      if (genesis.validators.threshold > 1) out(`note: this gateway alone cannot commit blocks (${genesis.validators.threshold} signatures needed)`);
      out(`next:      botpeer gateway${dir === DEFAULT_DATA_DIR ? '' : ` --data ${dir}`}`);
      return 0;
    },
  },

  gateway: {
    summary: 'run the gateway peer: embedded MQTT broker, ledger, block producer, HTTP API',
    help: `usage: botpeer gateway [--mqtt-host H] [--mqtt-port P] [--http-port P] [--broker URL] [--block-interval MS] [--data DIR]

Runs the gateway peer of the chain in the data folder until SIGINT/SIGTERM (Ctrl-C).

options:
  --mqtt-host H             address of the embedded broker (default 127.0.0.1; 0.0.0.0 for devices on the network)
  --mqtt-port P             its port (default 1883; 0 picks a free one)
  --broker URL              use an external broker (mqtt://host:port) instead of the embedded one
  --http-host H             address of the HTTP API (default 127.0.0.1)
  --http-port P             its port (default 8080; 0 picks a free one; -1 turns it off)
  --block-interval MS       milliseconds between blocks while transactions are pending (default 1000)
  --verbose                 print a line for every block
${DATA_HELP}`,
    options: {
      'mqtt-host': { type: 'string' },
      'mqtt-port': { type: 'string' },
      'http-host': { type: 'string' },
      'http-port': { type: 'string' },
      broker: { type: 'string' },
      'block-interval': { type: 'string' },
      verbose: { type: 'boolean' },
    },
    run(values, positionals) {
      noPositionals(positionals, 'gateway');
      return runGateway({
        data: dataOf(values), mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'), httpHost: str(values, 'http-host'),
        httpPort: str(values, 'http-port'), broker: str(values, 'broker'), blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
      }, out);
    },
  },

  device: {
    summary: 'enroll or revoke devices (operator key, through a running gateway)',
    help: `usage: botpeer device enroll <request-hex>… [options]
       botpeer device enroll --new [--count N] [options]
       botpeer device revoke <device-id>… [options]

enroll: signs an ENROLL transaction with the operator key for each enrolment request a
  device printed (it proves the device holds its key), or for --new keys made here (each
  private key is written to <data>/devices/<id>.key for a simulator), sends them to the
  gateway over MQTT and waits for each acknowledgement.
revoke: likewise with a REVOKE transaction for each device id (16 hex digits).
Exits with 1 if any was rejected or not acknowledged in time.

options:
  --new                     enroll newly generated keys instead of requests
  --count N                 how many with --new (default 1)
  --role device|gateway     the enrolled account's role (default device)
  --operator-key FILE       the operator's private key (default <data>/keys/operator.key)
  --broker URL              the gateway's MQTT broker (default ${DEFAULT_BROKER})
  --http URL                the gateway's HTTP API, asked for the operator's next sequence
                            number (default ${DEFAULT_HTTP})
  --seq N                   use N as the first sequence number instead of asking
  --timeout MS              give up when no acknowledgement came for this long (default 10000)
${DATA_HELP}`,
    options: {
      new: { type: 'boolean' },
      count: { type: 'string' },
      role: { type: 'string' },
      'operator-key': { type: 'string' },
      broker: { type: 'string' },
      http: { type: 'string' },
      seq: { type: 'string' },
      timeout: { type: 'string' },
    },
    run(values, positionals) {
      const [action, ...rest] = positionals;
      const options = {
        data: dataOf(values), operatorKey: str(values, 'operator-key'), broker: str(values, 'broker'), http: str(values, 'http'),
        seq: str(values, 'seq'), timeout: str(values, 'timeout'), role: str(values, 'role'), new: values.new === true, count: str(values, 'count'),
      };
      if (action === 'enroll' || action === 'enrol') return deviceEnroll(crypto, options, rest, out);
      if (action === 'revoke') return deviceRevoke(crypto, options, rest, out);
      throw new UsageError(action === undefined ? 'say what to do: device enroll or device revoke' : `unknown device action ${JSON.stringify(action)} (enroll or revoke)`, 'device');
    },
  },

  flash: {
    summary: 'build the firmware for an ESP32 board and flash it (wraps Moddable\'s mcconfig)',
    help: `usage: botpeer flash --gateway HOST [--board BOARD] [--ssid NAME] [--password PW] [--port P] [--interval MS] [--batch N] [--dry-run] [--data DIR] …

Builds the light peer firmware (manifest.json) for an ESP32 board and flashes it over USB
by running, in the repository,
  mcconfig -d -m -p esp32/<board> ssid=… password=… gateway=… port=… genesis=… interval=… batch=…
with genesis = the hex of <data>/genesis.cbor. Needs the Moddable SDK ($MODDABLE, its tools
built, mcconfig) and ESP-IDF ($IDF_PATH, \`source $IDF_PATH/export.sh\`); says which is
missing, and runs nothing, when they are not there. The gateway must listen where the board
can reach it (botpeer gateway --mqtt-host 0.0.0.0). On first boot the device prints the
\`botpeer device enroll <hex>\` line to run (docs/firmware.md).

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
    run(values, positionals) {
      noPositionals(positionals, 'flash');
      return runFlash(crypto, {
        data: dataOf(values), board: str(values, 'board'), ssid: str(values, 'ssid'), password: str(values, 'password'), gateway: str(values, 'gateway'),
        port: str(values, 'port'), interval: str(values, 'interval'), batch: str(values, 'batch'), outbox: str(values, 'outbox'), sntp: str(values, 'sntp'),
        release: values.release === true, dryRun: values['dry-run'] === true,
      }, out);
    },
  },

  block: {
    summary: 'print a block of the ledger as JSON',
    help: `usage: botpeer block <height|latest> [--data DIR]

Prints a block as JSON (the same as the HTTP API's /blocks/<height>): height, hash,
time, header fields, commit signers and transaction ids. Reads <data>/ledger.sqlite
directly; works while the gateway runs.

options:
${DATA_HELP}`,
    options: {},
    async run(values, positionals) {
      const height = inputOf(() => parseHeight(onePositional(positionals, 'block', 'a height or latest')), 'block');
      const store = openLedger(dataOf(values));
      try {
        const block = blockJson(store, height);
        if (!block) throw new CliError(height === 'latest' ? 'no blocks yet' : `no block at height ${height} (latest is ${store.latestBlock()?.height ?? 0})`);
        out(JSON.stringify(block, null, 2));
        return 0;
      } finally {
        store.close();
      }
    },
  },

  tx: {
    summary: 'print a transaction of the ledger as JSON, with its inclusion proof checked',
    help: `usage: botpeer tx <id> [--data DIR]

Prints a transaction (64 hex digits) as JSON (the same as the HTTP API's /tx/<id>): the
decoded body (readings scaled, with timestamps), its block and index, the inclusion proof,
and "verified": whether the proof checks against the stored header. Reads the ledger directly.

options:
${DATA_HELP}`,
    options: {},
    async run(values, positionals) {
      const id = inputOf(() => parseTxId(onePositional(positionals, 'tx', 'a transaction id')), 'tx');
      const store = openLedger(dataOf(values));
      try {
        const tx = txJson(crypto, store, id);
        if (!tx) throw new CliError(`no transaction ${bytesToHex(id)} in a block`);
        out(JSON.stringify(tx, null, 2));
        return 0;
      } finally {
        store.close();
      }
    },
  },

  verify: {
    summary: 're-verify the whole stored chain from the genesis with the light client',
    help: `usage: botpeer verify [--full] [--data DIR]

Re-verifies every stored block in order from the genesis: the light client checks each
header and its commit, each block's transaction ids rebuild its txRoot and txCount, and
every stored transaction decodes and hashes to its id. Stops at the first failure (exit 1)
naming the height and the error.

options:
  --full                    also replay the contract state: every signature against the
                            sender's key at that point, admission, and each block's stateRoot
${DATA_HELP}`,
    options: { full: { type: 'boolean' } },
    async run(values, positionals) {
      noPositionals(positionals, 'verify');
      const dir = dataOf(values);
      const { genesis, chainId } = readGenesis(crypto, dir);
      const store = openLedger(dir);
      const progress = new ProgressLine(process.stdout, 5000);
      try {
        const summary = verifyChain(crypto, genesis, chainId, store, {
          full: values.full === true,
          progress: (height, latest, txs) => {
            if (progress.isTty ? height % 50 === 0 || height === latest : true) progress.update(`verifying: block ${height} of ${latest}, ${txs} transactions`);
          },
        });
        progress.done();
        if (summary.height === 0) out(`chain ${bytesToHex(chainId)}: no blocks yet, nothing to verify beyond the genesis`);
        else {
          out(`chain ${bytesToHex(chainId)} OK: ${summary.height} blocks and ${summary.transactions} transactions verified from the genesis` +
            `${values.full ? ' (signatures and state replayed)' : ''} in ${(summary.ms / 1000).toFixed(2)} s; block ${summary.height} is ${summary.latestHash}`);
        }
        return 0;
      } catch (error) {
        progress.done();
        if (error instanceof VerifyFailure) throw new CliError(`verification failed at ${error.message}`);
        throw error;
      } finally {
        store.close();
      }
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `usage: botpeer <command> [options]

botpeer runs and inspects a Blockchain-of-Things gateway peer, and simulates its devices.

commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n')}

common options:
${DATA_HELP}
  -h, --help                help for the tool, or for a command: botpeer <command> --help`;
}

function noPositionals(positionals: readonly string[], command: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, command);
}

function onePositional(positionals: readonly string[], command: string, what: string): string {
  if (positionals.length === 0) throw new UsageError(`give ${what}`, command);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`, command);
  return positionals[0]!;
}

function inputOf<T>(parse: () => T, command: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RequestError) throw new UsageError(error.message, command);
    throw error;
  }
}

/** Runs the command line; resolves to the exit code. Writes to stdout/stderr itself. */
export async function main(argv: readonly string[]): Promise<number> {
  const err = (line: string) => void process.stderr.write(line + '\n');
  const [name, ...args] = argv;
  if (name === undefined) {
    err(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = args[0];
    if (name === 'help' && topic !== undefined) {
      if (!Object.hasOwn(commands, topic)) {
        err(`botpeer: unknown command ${JSON.stringify(topic)}\n\n${usage()}`);
        return 2;
      }
      out(commands[topic]!.help);
    } else out(usage());
    return 0;
  }
  if (!Object.hasOwn(commands, name)) {
    err(`botpeer: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  const command = commands[name]!;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], options: { ...common, ...command.options }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message, name);
    }
    if (parsed.values.help) {
      out(command.help);
      return 0;
    }
    return await command.run(parsed.values as Values, parsed.positionals);
  } catch (error) {
    if (process.env.BOTPEER_DEBUG) err(String((error as Error).stack ?? error));
    if (error instanceof UsageError) {
      err(`botpeer: ${error.message}\n(see botpeer ${error.command ?? name} --help)`);
      return 2;
    }
    if (error instanceof CliError) {
      err(`botpeer: ${error.message}`);
      return 1;
    }
    // Not an expected failure: still one line, unless debugging.
    err(`botpeer: ${error instanceof Error ? error.message : String(error)}${process.env.BOTPEER_DEBUG ? '' : ' (BOTPEER_DEBUG=1 shows where)'}`);
    return 1;
  }
}

/** Exits once stdout and stderr have been flushed (pipes to a parent process included). */
async function exit(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
  process.exit(code);
}

await exit(await main(process.argv.slice(2)));
