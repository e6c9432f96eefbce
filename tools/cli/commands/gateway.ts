// `botpeer gateway` (tools layer, Node only): runs the gateway peer in the foreground.
// Its options and help text; the work is done by the module it imports.

import { runGateway } from '../gateway-command.js';
import { runMember } from '../member-command.js';
import { UsageError } from '../cli-support.js';
import { type Command, DATA_HELP, dataOf, noPositionals, str } from './command.js';

export const command: Command = {
  name: 'gateway',
  summary: 'run the gateway peer: embedded MQTT broker, ledger, block producer, HTTP API',
  help: `usage: botpeer gateway [--mqtt-host H] [--mqtt-port P] [--http-port P] [--broker URL [--broker-devices URL]] [--block-interval MS] [--data DIR]
       botpeer gateway --nats URL[,URL…] [--nats-mqtt URL] [--mqtt-port P] [--http-port P] [--block-interval MS] [--data MEMBER_DIR]

Runs the gateway peer of the chain in the data folder until SIGINT/SIGTERM (Ctrl-C).
With --nats (a consortium chain, and only there): runs this member of the consortium —
its embedded broker for its devices, the chain ordered by the members' NATS JetStream
cluster, blocks committed once the threshold of members signed them.

options:
  --mqtt-host H             address of the embedded broker (default 127.0.0.1; 0.0.0.0 for devices on the network)
  --mqtt-port P             its port (default 1883; 0 picks a free one)
  --broker URL              use an external broker (mqtt://host:port) instead of the embedded one
  --broker-devices URL      with --broker: the address devices use for it, which the gateway reports
                            (default the --broker URL without its credentials)
  --http-host H             address of the HTTP API (default 127.0.0.1)
  --http-port P             its port (default 8080; 0 picks a free one; -1 turns it off)
  --block-interval MS       milliseconds between blocks while transactions are pending (default 1000)
  --verbose                 print a line for every block
consortium member:
  --nats URL[,URL…]         the members' NATS cluster (nats://host:4222, list every node)
  --nats-mqtt URL           a NATS node's MQTT listener (mqtt://host:1883): this member also helps
                            answer the devices connected there
  --nats-replicas N         replicas of the chain's streams when this member creates them
                            (default: min(3, number of --nats URLs)); every member must agree
${DATA_HELP}`,
  options: {
    'mqtt-host': { type: 'string' },
    'mqtt-port': { type: 'string' },
    'http-host': { type: 'string' },
    'http-port': { type: 'string' },
    broker: { type: 'string' },
    'broker-devices': { type: 'string' },
    'block-interval': { type: 'string' },
    verbose: { type: 'boolean' },
    nats: { type: 'string' },
    'nats-mqtt': { type: 'string' },
    'nats-replicas': { type: 'string' },
  },
  run(values, positionals, { crypto, out }) {
    noPositionals(positionals, 'gateway');
    if (values.nats !== undefined) {
      for (const solo of ['broker', 'broker-devices']) if (values[solo] !== undefined) throw new UsageError(`--${solo} is for a solo gateway: a consortium member runs its own broker`, 'gateway');
      return runMember(crypto, {
        data: dataOf(values), nats: str(values, 'nats')!, natsMqtt: str(values, 'nats-mqtt'), natsReplicas: str(values, 'nats-replicas'),
        mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'), httpHost: str(values, 'http-host'), httpPort: str(values, 'http-port'),
        blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
      }, out);
    }
    for (const member of ['nats-mqtt', 'nats-replicas']) if (values[member] !== undefined) throw new UsageError(`--${member} goes with --nats`, 'gateway');
    return runGateway({
      data: dataOf(values), mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'), httpHost: str(values, 'http-host'),
      httpPort: str(values, 'http-port'), broker: str(values, 'broker'), brokerDevices: str(values, 'broker-devices'), blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
    }, out);
  },
};
