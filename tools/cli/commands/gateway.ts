// `botpeer gateway` (tools layer, Node only): runs the gateway peer in the foreground.
// Its options and help text; the work is done by the module it imports.

import { runGateway } from '../gateway-command.js';
import { type Command, DATA_HELP, dataOf, noPositionals, str } from './command.js';

export const command: Command = {
  name: 'gateway',
  summary: 'run the gateway peer: embedded MQTT broker, ledger, block producer, HTTP API',
  help: `usage: botpeer gateway [--mqtt-host H] [--mqtt-port P] [--http-port P] [--broker URL [--broker-devices URL]] [--block-interval MS] [--data DIR]

Runs the gateway peer of the chain in the data folder until SIGINT/SIGTERM (Ctrl-C).

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
  },
  run(values, positionals, { out }) {
    noPositionals(positionals, 'gateway');
    return runGateway({
      data: dataOf(values), mqttHost: str(values, 'mqtt-host'), mqttPort: str(values, 'mqtt-port'), httpHost: str(values, 'http-host'),
      httpPort: str(values, 'http-port'), broker: str(values, 'broker'), brokerDevices: str(values, 'broker-devices'), blockInterval: str(values, 'block-interval'), verbose: values.verbose === true,
    }, out);
  },
};
