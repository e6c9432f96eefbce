// Configuration for an external Mosquitto broker (tools layer, Node only): what
// `botpeer broker config --broker mosquitto` writes, so that Mosquitto gives the
// guarantees of docs/protocol.md §9.7. Two listeners:
//
//   devices  (any address, default 1883): anonymous; the ACL binds every topic to the
//            client id (%c): a client may publish only `up` and its own `d/<id>/req`,
//            and read only its own `d/<id>/…`, `header` and `checkpoint`; no retained
//            messages; packet size and connections limited.
//   gateway  (127.0.0.1 by default, 1884): only the `gateway` user, with the password
//            written here (the files must be readable by the user Mosquitto runs as); it alone may read `up` and the requests and publish acks,
//            proofs, responses, headers and checkpoints.
//
// Mosquitto verifies no signature at CONNECT: a client that knows a device id can still
// connect under it on the devices listener (and so take over that device's session and
// read its proofs); it cannot forge acks to another device or act as the gateway.
// Devices send their CONNECT token as username and password (§9.6); the devices
// listener has no password file, so Mosquitto accepts and ignores them.

import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESPONSE_LIMITS, TX_LIMITS } from '../../src/index.js';

export const GATEWAY_BROKER_USER = 'gateway';

export interface MosquittoConfigOptions {
  readonly chainHex: string;
  readonly outDir: string;
  readonly devicesPort?: number;
  readonly devicesHost?: string;
  readonly gatewayPort?: number;
  readonly gatewayHost?: string;
  /** Default: 24 random bytes, hex. */
  readonly gatewayPassword?: string;
  readonly maxConnections?: number;
  /** Global lines added to mosquitto.conf (tests: log settings). */
  readonly extra?: readonly string[];
}

export interface MosquittoConfig {
  readonly confPath: string;
  /** What the gateway is started with: --broker this URL (it carries the gateway's password and secret client id). */
  readonly gatewayUrl: string;
  /** Where devices connect. */
  readonly devicesUrl: string;
  readonly gatewayPassword: string;
}

/**
 * Largest packet Mosquitto accepts from anyone. Global in Mosquitto, so it must hold the gateway's
 * largest publication: a response (RESPONSE_LIMITS, 16 384 bytes) with its topic. Devices send at
 * most a transaction (4 096).
 */
export const MOSQUITTO_MAX_PACKET_BYTES = Math.max(RESPONSE_LIMITS.maxBytes, TX_LIMITS.maxBytes) + 1024;

/** A Mosquitto 2 password-file hash (`$7$`: PBKDF2-SHA512, 101 iterations, 12-byte salt), as mosquitto_passwd writes. */
export function mosquittoPasswordHash(password: string, salt: Buffer = randomBytes(12)): string {
  const hash = pbkdf2Sync(password, salt, 101, 64, 'sha512');
  return `$7$101$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function writeMosquittoConfig(options: MosquittoConfigOptions): MosquittoConfig {
  const { chainHex, outDir } = options;
  if (!/^[0-9a-f]{16}$/.test(chainHex)) throw new RangeError('chainHex must be 16 lowercase hex digits');
  const base = `bot/${chainHex}`;
  const devicesPort = options.devicesPort ?? 1883;
  const devicesHost = options.devicesHost ?? '0.0.0.0';
  const gatewayPort = options.gatewayPort ?? 1884;
  const gatewayHost = options.gatewayHost ?? '127.0.0.1';
  const password = options.gatewayPassword ?? randomBytes(24).toString('hex');
  // Mosquitto's client ids are global across listeners: a client on the devices listener using the
  // gateway's id would take its session over (and its incoming transactions). So the gateway's id
  // is as secret as its password, and travels with it in the URL (mqtt.js reads ?clientId=).
  const clientId = `botpeer-gw-${randomBytes(16).toString('hex')}`;
  mkdirSync(outDir, { recursive: true });
  const passwd = join(outDir, 'passwd');
  const devicesAcl = join(outDir, 'acl-devices');
  const gatewayAcl = join(outDir, 'acl-gateway');
  const confPath = join(outDir, 'mosquitto.conf');
  writeFileSync(passwd, `${GATEWAY_BROKER_USER}:${mosquittoPasswordHash(password)}\n`, { mode: 0o600 });
  writeFileSync(devicesAcl, [
    '# Devices: a client may touch only its own topics; its client id must be its device id (docs/protocol.md §9.6-9.7).',
    `pattern write ${base}/up`,
    `pattern write ${base}/d/%c/req`,
    `pattern read ${base}/d/%c/ack`,
    `pattern read ${base}/d/%c/proof`,
    `pattern read ${base}/d/%c/res`,
    `pattern read ${base}/header`,
    `pattern read ${base}/checkpoint`,
    '',
  ].join('\n'));
  writeFileSync(gatewayAcl, [
    '# The gateway: reads what devices send, publishes everything devices read.',
    `user ${GATEWAY_BROKER_USER}`,
    `topic read ${base}/up`,
    `topic read ${base}/d/+/req`,
    `topic write ${base}/d/+/ack`,
    `topic write ${base}/d/+/proof`,
    `topic write ${base}/d/+/res`,
    `topic write ${base}/header`,
    `topic write ${base}/checkpoint`,
    '',
  ].join('\n'));
  writeFileSync(confPath, [
    `# botpeer chain ${chainHex}: written by \`botpeer broker config\`; see docs/protocol.md §9.7 for what it guarantees.`,
    'per_listener_settings true',
    `max_packet_size ${MOSQUITTO_MAX_PACKET_BYTES}`,
    ...(options.extra ?? []),
    '',
    `listener ${devicesPort} ${devicesHost}`,
    'allow_anonymous true',
    `acl_file ${devicesAcl}`,
    `max_connections ${options.maxConnections ?? 20_000}`,
    '# Only the gateway publishes retained messages.',
    'retain_available false',
    '',
    `listener ${gatewayPort} ${gatewayHost}`,
    'allow_anonymous false',
    `password_file ${passwd}`,
    `acl_file ${gatewayAcl}`,
    'max_connections 4',
    '',
  ].join('\n'));
  const host = (h: string) => (h === '0.0.0.0' ? '127.0.0.1' : h);
  return {
    confPath,
    gatewayUrl: `mqtt://${GATEWAY_BROKER_USER}:${password}@${host(gatewayHost)}:${gatewayPort}?clientId=${clientId}`,
    devicesUrl: `mqtt://${host(devicesHost)}:${devicesPort}`,
    gatewayPassword: password,
  };
}
