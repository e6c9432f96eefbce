// The consortium's members under benchmark, in a process of their own (tools layer, Node only),
// so their CPU can be read from /proc apart from the load generator's and NATS's:
//
//   node --import=tsx tools/bench/consortium-bench-child.ts '{"dirs":[…],"natsUrls":[…],"intervalMs":1000}'   (with an IPC channel)
//
// Starts one member per folder (startMember over NATS JetStream, one verify worker each: they
// share this machine's cores), with rate limits raised out of the way, and answers over IPC:
//   → {cmd:'stats'}  ← {type:'stats', stats: MembersStats}
//   → {cmd:'close'}  closes the members and exits 0
// It sends {type:'ready', pid, mqttUrls} once every member listens, {type:'error', message} if one could not start.

import { type Member, startMember } from '../gateway/consortium/member.js';
import { connectNatsOrdering } from '../gateway/consortium/nats-ordering.js';

interface Config {
  readonly dirs: readonly string[];
  readonly natsUrls: readonly string[];
  readonly intervalMs: number;
}

export interface MembersStats {
  readonly heights: number[];
  readonly admitted: number[];
  readonly refused: Record<string, number>;
}

const send = (message: unknown): void => {
  process.send?.(message);
};

async function main(): Promise<void> {
  if (!process.send) throw new Error('consortium-bench-child.ts needs an IPC channel');
  const config = JSON.parse(process.argv[2] ?? '{}') as Config;
  const members: Member[] = [];
  for (const dir of config.dirs) {
    members.push(await startMember({
      dataDir: dir, mqttHost: '127.0.0.1', mqttPort: 0, verifyWorkers: 1,
      ordering: (chainHex, name) => connectNatsOrdering({ urls: config.natsUrls, chainHex, name }),
      timing: { intervalMs: config.intervalMs },
      rateLimits: { perSecond: 1e9, burst: 1e9, floodRejections: Number.MAX_SAFE_INTEGER },
      onFatal: (error) => {
        send({ type: 'error', message: `a member's store failed: ${String(error)}` });
        process.exit(2);
      },
    }));
  }
  process.on('message', (message: { cmd?: string }) => {
    if (message.cmd === 'stats') {
      const refused: Record<string, number> = {};
      for (const m of members) for (const [k, n] of Object.entries(m.stats.refused)) refused[k] = (refused[k] ?? 0) + n;
      send({ type: 'stats', stats: { heights: members.map((m) => m.height), admitted: members.map((m) => m.stats.admitted), refused } satisfies MembersStats });
    } else if (message.cmd === 'close') {
      Promise.all(members.map((m) => m.close())).then(() => process.exit(0), (error: unknown) => {
        console.error(`close failed: ${String(error)}`);
        process.exit(3);
      });
    }
  });
  send({ type: 'ready', pid: process.pid, mqttUrls: members.map((m) => m.mqttUrl) });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
  process.exitCode = 2;
  setTimeout(() => process.exit(2), 100);
});
