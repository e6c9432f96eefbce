// `botpeer gateway --nats …` (tools layer, Node only): runs one consortium member in the
// foreground — its embedded broker for its own devices, the replay of the chain stream on the
// members' NATS JetStream cluster, cuts in its turn and its votes (tools/gateway/consortium/
// member.ts). The same command joins a real multi-machine deployment. Prints where devices
// connect, then a progress line; stops cleanly on SIGINT/SIGTERM; a store failure exits 1.

import { type CryptoProvider, Permission, bytesToHex, equalBytes } from '../../src/index.js';
import { type Member, startMember } from '../gateway/consortium/member.js';
import { connectNatsOrdering } from '../gateway/consortium/nats-ordering.js';
import { permissionName } from '../gateway/ledger-json.js';
import { loadChain } from '../gateway/data-dir.js';
import { CliError, ProgressLine, UsageError, intOption, readGenesis, untilStopped, urlOption } from './cli-support.js';

export interface MemberCommandOptions {
  readonly data: string;
  readonly nats: string;
  readonly natsMqtt?: string | undefined;
  readonly natsReplicas?: string | undefined;
  readonly mqttHost?: string | undefined;
  readonly mqttPort?: string | undefined;
  readonly httpHost?: string | undefined;
  readonly httpPort?: string | undefined;
  readonly blockInterval?: string | undefined;
  readonly verbose?: boolean | undefined;
}

/** `--nats URL[,URL…]` as a list of nats:// URLs. */
export function natsUrlsOf(value: string): string[] {
  const urls = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length === 0) throw new UsageError('--nats lists no URL', 'gateway');
  return urls.map((u) => urlOption(u, '--nats', ['nats:', 'tls:']));
}

/** The member's one-line state, shared with `botpeer start --members`. */
export function memberStatus(member: Member): string {
  const refused = Object.values(member.stats.refused).reduce((a, b) => a + b, 0);
  return `height ${member.height}${member.executedHeight > member.height ? ` (executed ${member.executedHeight})` : ''} | pending ${member.pending} | admitted ${member.stats.admitted} | refused ${refused}`;
}

export async function runMember(crypto: CryptoProvider, options: MemberCommandOptions, out: (line: string) => void): Promise<number> {
  const urls = natsUrlsOf(options.nats);
  const replicas = intOption(options.natsReplicas, '--nats-replicas', Math.min(3, urls.length), 1, 5);
  const listenerUrl = options.natsMqtt === undefined ? undefined : urlOption(options.natsMqtt, '--nats-mqtt', ['mqtt:', 'tcp:']);
  const mqttPort = intOption(options.mqttPort, '--mqtt-port', 1883, 0, 65535);
  const httpPort = intOption(options.httpPort, '--http-port', 8080, -1, 65535);
  const intervalMs = intOption(options.blockInterval, '--block-interval', 1000, 10, 3_600_000);
  const chain = readGenesis(crypto, options.data);
  if (chain.genesis.permission !== Permission.CONSORTIUM) {
    throw new CliError(`--nats runs a consortium member, and the chain in ${options.data} is ${permissionName(chain.genesis.permission)}: run \`botpeer gateway\` without --nats (or make a consortium with \`botpeer init --consortium\`)`);
  }
  // A key outside the genesis set is a member that joins later (a GOVERN adds it, README
  // "Changing the membership"): it replays the chain and signs once the set holds its key.
  let files;
  try {
    files = loadChain(crypto, options.data);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const joining = !chain.genesis.validators.keys.some((k) => equalBytes(k, files.gatewayKey.publicKey));

  const progress = new ProgressLine(process.stdout, 5000);
  const blockLine = /: block \d+: /;
  let fatal: ((error: unknown) => void) | undefined;
  let member: Member;
  try {
    member = await startMember({
      dataDir: options.data,
      ordering: (chainHex, name) => connectNatsOrdering({ urls, chainHex, name, replicas }),
      mqttHost: options.mqttHost ?? '127.0.0.1', mqttPort,
      ...(listenerUrl ? { listenerUrl } : {}),
      httpHost: options.httpHost ?? '127.0.0.1', httpPort,
      timing: { intervalMs },
      log: (line) => {
        if (options.verbose || !blockLine.test(line)) progress.log(line);
      },
      onFatal: (error) => fatal?.(error),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new CliError(`${e.message}: another program (another gateway?) uses that port; pick one with --mqtt-port / --http-port`);
    throw new CliError(`the member did not start: ${e.message} (is the NATS cluster at ${urls.join(',')} up, with JetStream?)`);
  }

  const name = new TextDecoder().decode(chain.genesis.name);
  const set = chain.genesis.validators;
  out(`consortium chain ${bytesToHex(chain.chainId)} "${name}", ${member.name} (${set.threshold} of ${set.keys.length} members sign each block), height ${member.height}, data ${options.data}`);
  out(`ordering: NATS JetStream at ${urls.join(',')} (replicas ${replicas})${listenerUrl ? `; also answers the devices on the MQTT listener ${listenerUrl}` : ''}`);
  out(`devices connect to ${member.mqttUrl} (this member's broker; topics bot/${bytesToHex(chain.chainId)}/…)`);
  out(member.httpUrl ? `HTTP API at ${member.httpUrl}; explorer at ${member.httpUrl}/, metrics at ${member.httpUrl}/metrics` : 'HTTP API off');
  if (joining) out(`this member's key ${bytesToHex(files.gatewayKey.publicKey)} is not in the genesis set: it replays the chain and signs blocks once a GOVERN has added it (\`botpeer member\`)`);
  out('Ctrl-C stops the member');

  const show = (force = false) => progress.update(memberStatus(member), force);
  show(true);
  const timer = setInterval(show, progress.isTty ? 1000 : 5000);
  const failure = await untilStopped(progress, (fail) => (fatal = fail));
  clearInterval(timer);
  show(true);
  progress.done();
  out(failure === undefined ? 'stopping: closing broker, stream consumers and ledger…' : 'stopping after a failure…');
  await member.close();
  if (failure !== undefined) throw new CliError(`the member stopped: its store failed (${String((failure as Error).message ?? failure)}); start it again, it replays the stream from its last stored block`);
  out(`stopped at height ${member.height}`);
  return 0;
}
