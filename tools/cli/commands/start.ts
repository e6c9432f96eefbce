// `botpeer start` (tools layer, Node only): the whole system in one process (what `npm start` runs).
// Its options and help text; the work is done by the module it imports.

import { START_DEFAULT_DEVICES, runStart } from '../start-command.js';
import { CONSORTIUM_DATA_DIR, runStartConsortium } from '../start-consortium.js';
import { FLEET_OPTIONS_HELP } from '../sim-command.js';
import { DEFAULT_DATA_DIR } from '../cli-support.js';
import { type Command, DATA_HELP, FLEET_OPTIONS, dataOf, fleetValues, noPositionals, str } from './command.js';

export const command: Command = {
  name: 'start',
  summary: 'the whole system in one process: a chain (created if missing), the gateway and a fleet of simulated devices',
  help: `usage: botpeer start [--devices N] [--interval MS] [--duration S] [--mqtt-port P] [--http-port P] [--data DIR] …
       botpeer start --members N [--devices N] [--duration S] [--data DIR] …

What \`npm start\` runs. Creates a private chain in the data folder if it holds none, starts
the gateway (embedded MQTT broker, SQLite ledger, blocks, HTTP API) and N simulated light
peers in the same process. The devices enrol with the operator key, sign their readings,
send them over MQTT, verify every block header and their own inclusion proofs. Runs until
Ctrl-C or --duration, then prints a summary. Devices keep their keys, sequence numbers and
outboxes in <data>/fleet, so a second run continues the first.

With --members N (what \`npm run start:consortium\` runs): a consortium on this machine —
a 3-node NATS JetStream cluster (nats-server; store in <data>/nats), N member gateways
(threshold floor(2N/3)+1; the consortium is created in the data folder if missing, as
\`botpeer init --consortium --members N\` does), and the fleet spread over the members'
brokers, every fifth device on a NATS node's MQTT listener. Each member enrols its devices
with its own key. Its data folder defaults to ${CONSORTIUM_DATA_DIR} (next to a solo chain's ${DEFAULT_DATA_DIR}).
Member i's broker and HTTP API take --mqtt-port + i - 1 and --http-port + i - 1.

options:
  --members N               run a consortium of N members (1..16) instead of one gateway
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
    ...FLEET_OPTIONS,
    name: { type: 'string' },
    'mqtt-host': { type: 'string' },
    'mqtt-port': { type: 'string' },
    'http-host': { type: 'string' },
    'http-port': { type: 'string' },
    'block-interval': { type: 'string' },
    verbose: { type: 'boolean' },
    members: { type: 'string' },
  },
  run(values, positionals, { crypto, out }) {
    noPositionals(positionals, 'start');
    if (values.members !== undefined) {
      return runStartConsortium(crypto, {
        ...fleetValues(values), data: str(values, 'data') ?? CONSORTIUM_DATA_DIR, name: str(values, 'name'), mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'),
        httpHost: str(values, 'http-host'), httpPort: str(values, 'http-port'), blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
        members: str(values, 'members')!,
      }, out);
    }
    return runStart(crypto, {
      ...fleetValues(values), data: dataOf(values), name: str(values, 'name'), mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'),
      httpHost: str(values, 'http-host'), httpPort: str(values, 'http-port'), blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
    }, out);
  },
};
