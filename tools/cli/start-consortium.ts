// `botpeer start --members N` (tools layer, Node only): a whole consortium on one machine, in
// one process plus three nats-server children. Creates the consortium in the data folder if
// it holds none (member-1 … member-N, threshold floor(2N/3)+1), starts a 3-node NATS JetStream
// cluster (store under <data>/nats), the N member gateways, and a simulated fleet whose devices
// are spread over the members' brokers (every fifth on a NATS node's MQTT listener). Each member
// enrols the devices on its broker (and some of the listener's) with its own member key. Stops
// the fleet, then the members, then NATS, on Ctrl-C or --duration.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CryptoProvider, TxKind, bytesToHex, enrollBody, keyId } from '../../src/index.js';
import { defaultThreshold, initConsortium, memberDir } from '../gateway/consortium/consortium-init.js';
import { type Member, startMember } from '../gateway/consortium/member.js';
import { connectNatsOrdering } from '../gateway/consortium/nats-ordering.js';
import { NATS_INSTALL_HINT, type NatsCluster, findNatsServer, startNatsCluster } from '../nats/nats-cluster.js';
import { CliError, ProgressLine, UsageError, intOption } from './cli-support.js';
import { prepareFleet, runFleet } from './fleet-run.js';
import { submitAsOperator } from './operator-submit.js';
import { fleetParameters } from './sim-command.js';
import type { StartOptions } from './start-command.js';

export const NATS_NODES = 3;
/** `botpeer start --members` without --data: apart from a solo chain's folder. */
export const CONSORTIUM_DATA_DIR = '.botpeer-consortium';
/** Every LISTENER_EVERY-th device connects to a NATS node's MQTT listener instead of a member's broker. */
const LISTENER_EVERY = 5;

/** The line `botpeer start --members` shows for its members: `m1 h5 s5 p0 · m2 …` (executed height, stored, pending). */
export function membersText(members: readonly Member[]): string {
  return members.map((m, i) => `m${i + 1} h${m.executedHeight} s${m.height} p${m.pending}`).join(' · ');
}

/** Which broker device `index` (0-based) uses: a member's index, or -1 for the NATS MQTT listener. */
export function brokerIndexOf(index: number, members: number): number {
  return index % LISTENER_EVERY === LISTENER_EVERY - 1 ? -1 : index % members;
}

export async function runStartConsortium(crypto: CryptoProvider, options: StartOptions & { readonly members: string }, out: (line: string) => void): Promise<number> {
  const count = intOption(options.members, '--members', 4, 1, 16);
  const mqttPort = intOption(options.mqttPort, '--mqtt-port', 1883, 0, 65535 - count);
  const httpPort = intOption(options.httpPort, '--http-port', 8080, -1, 65535 - count);
  const intervalMs = intOption(options.blockInterval, '--block-interval', 1000, 10, 3_600_000);
  const name = options.name ?? 'botpeer';
  if (new TextEncoder().encode(name).length > 32) throw new UsageError('--name must be at most 32 bytes', 'start');
  const parameters = fleetParameters(crypto, options, 'start', 5);
  const dir = options.data;
  const bin = findNatsServer();
  if (bin === undefined) throw new CliError(`\`botpeer start --members\` runs a NATS cluster: ${NATS_INSTALL_HINT}`);

  const manifest = join(dir, 'consortium.json');
  if (!existsSync(manifest)) {
    if (existsSync(join(dir, 'genesis.cbor'))) throw new CliError(`${dir} holds a solo chain: give --members another --data folder (or run \`botpeer start\` without --members)`);
    let files;
    try {
      files = initConsortium(crypto, { dir, name, members: count, threshold: defaultThreshold(count) });
    } catch (error) {
      throw new CliError(`cannot create a consortium in ${dir}: ${(error as Error).message}`);
    }
    const set = files.members[0]!.genesis.validators;
    out(`created consortium chain ${bytesToHex(files.members[0]!.chainId)} "${name}" in ${resolve(dir)}: ${count} members, ${set.threshold} sign each block (operator key in ${join(dir, 'operator.key')})`);
  } else {
    const listed = (JSON.parse(readFileSync(manifest, 'utf8')) as { members: unknown[] }).members.length;
    if (listed !== count) throw new CliError(`the consortium in ${dir} has ${listed} members, not ${count}: pass --members ${listed} (or another --data)`);
  }

  const progress = new ProgressLine(process.stdout, 5000);
  const blockLine = /: block \d+: /;
  const log = (line: string) => {
    if (options.verbose || !blockLine.test(line)) progress.log(line);
  };
  let cluster: NatsCluster;
  try {
    cluster = await startNatsCluster({ nodes: NATS_NODES, dir: join(dir, 'nats'), bin, ...(options.verbose ? { log } : {}) });
  } catch (error) {
    throw new CliError(`the NATS cluster did not start: ${(error as Error).message}`);
  }
  const members: Member[] = [];
  let failed: unknown;
  try {
    out(`nats: ${NATS_NODES} nodes (JetStream, replicas 3) at ${cluster.urls.join(',')}; MQTT listeners ${cluster.mqttUrls.join(',')}`);
    const listenerUrl = cluster.mqttUrls[0]!;
    for (let i = 0; i < count; i++) {
      try {
        members.push(await startMember({
          dataDir: memberDir(dir, i),
          ordering: (chainHex, memberName) => connectNatsOrdering({ urls: cluster.urls, chainHex, name: memberName, replicas: NATS_NODES }),
          mqttHost: options.mqttHost ?? '127.0.0.1', mqttPort: mqttPort === 0 ? 0 : mqttPort + i,
          listenerUrl,
          httpHost: options.httpHost ?? '127.0.0.1', httpPort: httpPort <= 0 ? httpPort : httpPort + i,
          timing: { intervalMs },
          // N members share this machine's cores: one verify worker each.
          verifyWorkers: 1,
          log: (line) => log(`member-${i + 1}: ${line}`),
          onFatal: (error) => {
            failed = error;
            process.kill(process.pid, 'SIGTERM'); // stops the fleet; the members close below
          },
        }));
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new CliError(`${e.message}: another program uses that port; pick others with --mqtt-port / --http-port (member i takes port + i - 1)`);
        throw new CliError(`member-${i + 1} did not start: ${e.message}`);
      }
      const m = members[i]!;
      out(`member-${i + 1}: ${bytesToHex(keyId(crypto, m.chain.gatewayKey.publicKey))}, height ${m.height}; devices connect to ${m.mqttUrl}${m.httpUrl ? `; HTTP API at ${m.httpUrl}` : ''}`);
    }
    const { chain } = members[0]!;
    if (members[0]!.httpUrl) out(`explorer: open ${members[0]!.httpUrl}/ in a browser (any member's shows the same ledger)`);
    const brokerOf = (index: number) => {
      const at = brokerIndexOf(index, count);
      return at < 0 ? listenerUrl : members[at]!.mqttUrl;
    };
    const fleetDir = options.fleetDir ?? join(dir, 'fleet');
    const fleet = await prepareFleet({
      crypto, genesis: chain.genesis, chainId: chain.chainId, dataDir: dir, fleetDir, count: parameters.count,
      brokerUrl: members[0]!.mqttUrl, brokerOf, peer: parameters.peer, durable: parameters.durable, timeoutMs: 20_000,
      operatorNextSeq: () => Promise.reject(new Error('a consortium\'s members enrol the devices')),
      // Each device is enrolled by the member it belongs to (a listener device's by index mod N), with that member's key.
      enrol: async (missing) => {
        const codes = new Array<number | undefined>(missing.length);
        await Promise.all(members.map(async (member, m) => {
          const mine = missing.map((d, at) => ({ ...d, at })).filter((d) => d.index % count === m);
          if (mine.length === 0) return;
          const key = member.chain.gatewayKey;
          const firstSeq = (member.working().account(keyId(crypto, key.publicKey))?.lastSeq ?? 0) + 1;
          const outcomes = await submitAsOperator({
            crypto, chainId: chain.chainId, operator: key, brokerUrl: member.mqttUrl, firstSeq, timeoutMs: 20_000, purpose: ' to enrol the devices',
          }, mine.map((d) => ({ kind: TxKind.ENROLL, body: enrollBody(d.publicKey) })));
          outcomes.forEach((o, k) => (codes[mine[k]!.at] = o.code));
        }));
        return codes;
      },
    }, out, progress);
    const onListener = fleet.devices.filter((_, i) => brokerIndexOf(i, count) < 0).length;
    out(`fleet: ${parameters.count} simulated device(s) in ${fleetDir}, spread over the ${count} members' brokers` +
      `${onListener > 0 ? ` (${onListener} on the NATS MQTT listener ${listenerUrl})` : ''}, a sampling every ${parameters.peer?.samplingIntervalMs} ms; ` +
      `${parameters.durationS > 0 ? `running ${parameters.durationS} s` : 'Ctrl-C stops'}`);
    await runFleet(fleet, { durationS: parameters.durationS, prefix: () => membersText(members) }, out, progress);
  } finally {
    for (const m of members) await m.close().catch(() => {});
    await cluster.close();
  }
  if (failed !== undefined) throw new CliError(`a member stopped: its store failed (${(failed as Error).message ?? String(failed)})`);
  out(`members stopped at ${membersText(members)}; NATS stopped (its store is in ${join(dir, 'nats')})`);
  out(`each member's ledger is in ${join(dir, 'member-N', 'ledger.sqlite')} (\`npx botpeer verify --data ${join(dir, 'member-1')}\` re-checks one)`);
  return 0;
}
