// `botpeer gateway` (tools layer): runs the gateway peer in the foreground. Prints where
// devices connect and the HTTP URL, then one progress line (rewritten in place on a
// terminal, a new line every few seconds otherwise), and stops cleanly on SIGINT/SIGTERM.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Permission, bytesToHex, decodeGenesis } from '../../src/index.js';
import { type Gateway, startGateway } from '../gateway/gateway.js';
import { permissionName } from '../gateway/ledger-json.js';
import { CliError, ProgressLine, UsageError, intOption, untilStopped, urlOption } from './cli-support.js';

export interface GatewayCommandOptions {
  readonly data: string;
  readonly mqttHost?: string | undefined;
  readonly mqttPort?: string | undefined;
  readonly httpHost?: string | undefined;
  readonly httpPort?: string | undefined;
  readonly broker?: string | undefined;
  readonly brokerDevices?: string | undefined;
  readonly blockInterval?: string | undefined;
  readonly verbose?: boolean | undefined;
}

const TTY_REFRESH_MS = 1000;
const PLAIN_EVERY_MS = 5000;

export async function runGateway(options: GatewayCommandOptions, out: (line: string) => void): Promise<number> {
  const mqttPort = intOption(options.mqttPort, '--mqtt-port', 1883, 0, 65535);
  const httpPort = intOption(options.httpPort, '--http-port', 8080, -1, 65535);
  const intervalMs = intOption(options.blockInterval, '--block-interval', 1000, 10, 3_600_000);
  const brokerUrl = options.broker === undefined ? undefined : urlOption(options.broker, '--broker', ['mqtt:', 'mqtts:', 'tcp:']);
  if (brokerUrl && (options.mqttHost !== undefined || options.mqttPort !== undefined)) {
    throw new UsageError('--broker uses an external broker: --mqtt-host and --mqtt-port are for the embedded one', 'gateway');
  }
  if (options.brokerDevices !== undefined && !brokerUrl) throw new UsageError('--broker-devices goes with --broker', 'gateway');
  const brokerDevicesUrl = options.brokerDevices === undefined ? undefined : urlOption(options.brokerDevices, '--broker-devices', ['mqtt:', 'mqtts:', 'tcp:']);

  refuseConsortium(options.data);

  const progress = new ProgressLine(process.stdout, PLAIN_EVERY_MS);
  const blockLine = /^block \d+: /;
  let gateway: Gateway;
  try {
    gateway = await startGateway({
      dataDir: options.data,
      ...(brokerUrl ? { brokerUrl, ...(brokerDevicesUrl ? { brokerDevicesUrl } : {}) } : { mqttHost: options.mqttHost ?? '127.0.0.1', mqttPort }),
      httpHost: options.httpHost ?? '127.0.0.1',
      httpPort,
      producer: { intervalMs },
      // One line per block would drown the progress line; --verbose shows them.
      log: (line) => {
        if (options.verbose || !blockLine.test(line)) progress.log(line);
      },
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new CliError(`${e.message}: another program (another gateway?) uses that port; pick one with --mqtt-port / --http-port`);
    throw new CliError(`the gateway did not start: ${e.message}`);
  }

  const { chain } = gateway;
  const name = new TextDecoder().decode(chain.genesis.name);
  out(`chain ${bytesToHex(chain.chainId)} "${name}" (${permissionName(chain.genesis.permission)}), height ${gateway.producer.height}, data ${options.data}`);
  out(brokerUrl ? `devices connect to the broker at ${gateway.mqttUrl}` : `devices connect to ${gateway.mqttUrl} (embedded broker; topics bot/${bytesToHex(chain.chainId)}/…)`);
  out(gateway.httpUrl ? `HTTP API at ${gateway.httpUrl}; explorer at ${gateway.httpUrl}/, metrics at ${gateway.httpUrl}/metrics` : 'HTTP API off');
  out('Ctrl-C stops the gateway');

  const rejectedTotal = () => Object.values(gateway.ingest.stats.rejected).reduce((a, b) => a + b, 0);
  let last = { at: Date.now(), accepted: gateway.ingest.stats.accepted };
  let rate = 0;
  const show = (force = false) => {
    const now = Date.now();
    const { accepted, received } = gateway.ingest.stats;
    if (now - last.at >= 500) {
      rate = ((accepted - last.accepted) * 1000) / (now - last.at);
      last = { at: now, accepted };
    }
    progress.update(
      `height ${gateway.producer.height} | ${rate.toFixed(1)} tx/s accepted | pending ${gateway.producer.pendingCount} | rejected ${rejectedTotal()} | received ${received}`,
      force,
    );
  };
  show(true);
  const timer = setInterval(show, progress.isTty ? TTY_REFRESH_MS : PLAIN_EVERY_MS);

  await untilStopped(progress);
  clearInterval(timer);
  show(true);
  progress.done();
  out('stopping: finishing acknowledgements, closing broker and ledger…');
  await gateway.close();
  out(`stopped at height ${gateway.producer.height}`);
  return 0;
}

/** A consortium's chain is ordered by its members' NATS cluster: the solo gateway would fork it. */
function refuseConsortium(dir: string): void {
  const path = join(dir, 'genesis.cbor');
  if (!existsSync(path)) return; // startGateway says there is no chain
  let permission;
  try {
    permission = decodeGenesis(new Uint8Array(readFileSync(path))).permission;
  } catch {
    return; // startGateway reports the bad genesis
  }
  if (permission === Permission.CONSORTIUM) {
    throw new CliError(`the chain in ${dir} is a consortium's: run this member with --nats URL[,URL…] (the members' NATS cluster); a solo gateway would write a ledger of its own`);
  }
}
