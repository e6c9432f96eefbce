// One MQTT connection for an operator command (tools layer): connects once, no
// reconnects, and turns every way of failing into a CliError that names the broker.

import mqtt, { type MqttClient } from 'mqtt';
import { CliError } from './cli-support.js';

/** `auth`: a key's proof at CONNECT (docs/protocol.md §9.6, connectCredentials), which the embedded broker requires of an id. */
export async function connectToBroker(url: string, clientId: string, timeoutMs: number, purpose: string, auth?: { username: string; password: () => string }): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs, ...(auth ? { username: auth.username, password: auth.password() } : {}) });
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      reject(new CliError(`cannot connect to the broker at ${url}${purpose}: ${reason}`));
    };
    client.once('connect', () => {
      client.removeAllListeners('error');
      client.removeAllListeners('close');
      client.on('error', () => {});
      resolve(client);
    });
    client.once('error', (error) => fail(error.message));
    client.once('close', () => fail('connection closed'));
  });
}
