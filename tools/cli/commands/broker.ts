// `botpeer broker config` (tools layer, Node only): writes the configuration of an
// external broker that gives devices and the gateway the guarantees of
// docs/protocol.md §9.7 (today Mosquitto: tools/gateway/mosquitto-config.ts), and
// prints how to start the broker and the gateway with it.

import { resolve } from 'node:path';
import { bytesToHex } from '../../../src/index.js';
import { writeMosquittoConfig } from '../../gateway/mosquitto-config.js';
import { UsageError, intOption, readGenesis } from '../cli-support.js';
import { type Command, DATA_HELP, dataOf, str } from './command.js';

export const command: Command = {
  name: 'broker',
  summary: 'write an external broker\'s configuration (Mosquitto) for this chain',
  help: `usage: botpeer broker config --broker mosquitto --out DIR [--port P] [--gateway-port P] [--data DIR]

Writes DIR/mosquitto.conf, DIR/passwd (the gateway's password, hashed), DIR/acl-devices and
DIR/acl-gateway, and prints the commands to run Mosquitto and the gateway with them.
Devices connect to the devices listener (--port, all addresses); the gateway to its own
listener (--gateway-port, 127.0.0.1) with a password and a secret client id. What this
guarantees, and what Mosquitto cannot (it checks no device signature): docs/protocol.md §9.7.

options:
  --broker mosquitto        the broker (only Mosquitto so far)
  --out DIR                 where to write the files (created if missing)
  --port P                  devices listener (default 1883)
  --gateway-port P          gateway listener (default 1884)
${DATA_HELP}`,
  options: {
    broker: { type: 'string' },
    out: { type: 'string' },
    port: { type: 'string' },
    'gateway-port': { type: 'string' },
  },
  async run(values, positionals, { crypto, out: print }) {
    if (positionals.length !== 1 || positionals[0] !== 'config') throw new UsageError('give the subcommand: config', 'broker');
    if (values.broker !== 'mosquitto') throw new UsageError('--broker mosquitto is the one broker supported', 'broker');
    const out = str(values, 'out');
    if (!out) throw new UsageError('give --out DIR', 'broker');
    const chain = readGenesis(crypto, dataOf(values));
    const config = writeMosquittoConfig({
      chainHex: bytesToHex(chain.chainId),
      outDir: resolve(out),
      devicesPort: intOption(str(values, 'port'), '--port', 1883, 1, 65535),
      gatewayPort: intOption(str(values, 'gateway-port'), '--gateway-port', 1884, 1, 65535),
    });
    print(`wrote ${config.confPath} and its password and ACL files (readable by the user Mosquitto runs as; keep passwd secret)`);
    print(`start the broker:   mosquitto -c ${config.confPath}`);
    print(`start the gateway:  npx botpeer gateway --data ${chain.dir} --broker '${config.gatewayUrl}' --broker-devices ${config.devicesUrl}`);
    print(`devices connect to ${config.devicesUrl} (this host's address on the network)`);
    return 0;
  },
};
