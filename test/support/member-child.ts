// A consortium member in its own process, for kill -9 tests (test layer, Node only):
//
//   node --import=tsx test/support/member-child.ts <memberDir> <mqttPort> <natsUrlsComma> [timingJson]
//
// Reports on stdout, one JSON object per line (writeSync, so each line leaves before the next step):
//   {"event":"ready","mqttUrl":"mqtt://127.0.0.1:…","height":H}
//   {"event":"height","height":H}      a new block was stored (committed with its commit)
// SIGTERM closes the member cleanly; SIGKILL is what the tests use.

import { writeSync } from 'node:fs';
import { startMember } from '../../tools/gateway/consortium/member.js';
import { connectNatsOrdering } from '../../tools/gateway/consortium/nats-ordering.js';

const emit = (event: Record<string, unknown>): void => void writeSync(1, `${JSON.stringify(event)}\n`);

const [dir, port, urls, timingJson] = process.argv.slice(2);
if (!dir || !port || !urls) throw new Error('usage: member-child.ts <memberDir> <mqttPort> <natsUrls> [timingJson]');
const member = await startMember({
  dataDir: dir,
  mqttPort: Number(port),
  verifyWorkers: 1,
  timing: timingJson ? JSON.parse(timingJson) : {},
  ordering: (chainHex, name) => connectNatsOrdering({ urls: urls.split(','), chainHex, name }),
  onFatal: () => process.exit(3),
});
emit({ event: 'ready', mqttUrl: member.mqttUrl, height: member.height });
member.onBlock(({ height }) => emit({ event: 'height', height }));
process.once('SIGTERM', () => void member.close().then(() => process.exit(0)));
