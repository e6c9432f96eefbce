// `botpeer sim` (tools layer, Node only): a fleet of simulated devices against a running gateway.
// Its options and help text; the work is done by the module it imports.

import { DEFAULT_BROKER, DEFAULT_HTTP } from '../device-command.js';
import { FLEET_OPTIONS_HELP, runSim } from '../sim-command.js';
import { type Command, DATA_HELP, FLEET_OPTIONS, dataOf, fleetValues, noPositionals, str } from './command.js';

export const command: Command = {
  name: 'sim',
  summary: 'run a fleet of simulated devices (the real light peer) against a running gateway',
  help: `usage: botpeer sim [--devices N] [--broker URL] [--interval MS] [--batch N] [--duration S] [--fleet-dir DIR] [--data DIR] …

Runs N light peers in this process, each in its own folder (key, reserved sequence
numbers, trusted header, outbox), with simulated sensors (temperature with a daily cycle,
humidity, battery), against the gateway's broker. Devices not enrolled on this chain yet
are enrolled first with the operator key (as \`npx botpeer device enroll\`). Shows a live
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
    ...FLEET_OPTIONS,
    broker: { type: 'string' },
    http: { type: 'string' },
    'operator-key': { type: 'string' },
    timeout: { type: 'string' },
  },
  run(values, positionals, { crypto, out }) {
    noPositionals(positionals, 'sim');
    return runSim(crypto, {
      ...fleetValues(values), data: dataOf(values), broker: str(values, 'broker'), http: str(values, 'http'),
      operatorKey: str(values, 'operator-key'), timeout: str(values, 'timeout'),
    }, out);
  },
};
