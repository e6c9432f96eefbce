// `botpeer device` (tools layer, Node only): enrolls or revokes devices with the operator key.
// Its options and help text; the work is done by the module it imports.

import { UsageError } from '../cli-support.js';
import { DEFAULT_BROKER, DEFAULT_HTTP, deviceEnroll, deviceRevoke } from '../device-command.js';
import { type Command, DATA_HELP, GATEWAY_CLIENT_OPTIONS, gatewayClientOf, str } from './command.js';

export const command: Command = {
  name: 'device',
  summary: 'enroll or revoke devices (operator key, through a running gateway)',
  help: `usage: botpeer device enroll <request-hex>… [options]
       botpeer device enroll --new [--count N] [options]
       botpeer device revoke <device-id>… [options]

enroll: signs an ENROLL transaction with the operator key for each enrolment request a
  device printed (it proves the device holds its key), or for --new keys made here (each
  private key is written to <data>/devices/<id>.key for a simulator), sends them to the
  gateway over MQTT and waits for each acknowledgement.
revoke: likewise with a REVOKE transaction for each device id (16 hex digits).
Exits with 1 if any was rejected or not acknowledged in time.

options:
  --new                     enroll newly generated keys instead of requests
  --count N                 how many with --new (default 1)
  --role device|gateway     the enrolled account's role (default device)
  --operator-key FILE       the operator's private key (default <data>/keys/operator.key)
  --broker URL              the gateway's MQTT broker (default ${DEFAULT_BROKER})
  --http URL                the gateway's HTTP API, asked for the operator's next sequence
                            number (default ${DEFAULT_HTTP})
  --seq N                   use N as the first sequence number instead of asking
  --timeout MS              give up when no acknowledgement came for this long (default 10000)
${DATA_HELP}`,
  options: {
    new: { type: 'boolean' },
    count: { type: 'string' },
    role: { type: 'string' },
    'operator-key': { type: 'string' },
    ...GATEWAY_CLIENT_OPTIONS,
  },
  run(values, positionals, { crypto, out }) {
    const [action, ...rest] = positionals;
    const options = {
      ...gatewayClientOf(values), operatorKey: str(values, 'operator-key'), role: str(values, 'role'), new: values.new === true, count: str(values, 'count'),
    };
    if (action === 'enroll' || action === 'enrol') return deviceEnroll(crypto, options, rest, out);
    if (action === 'revoke') return deviceRevoke(crypto, options, rest, out);
    throw new UsageError(action === undefined ? 'say what to do: device enroll or device revoke' : `unknown device action ${JSON.stringify(action)} (enroll or revoke)`, 'device');
  },
};
