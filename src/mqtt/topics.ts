// MQTT topic names (core layer). Every topic sits under bot/<chainIdHex>/, so
// one broker can carry several chains and ACLs can be written per chain/device.

import { bytesToHex, hexToBytes } from '../codec/bytes.js';
import { ID_BYTES } from '../tx/identity.js';
import { CHAIN_ID_BYTES } from '../tx/tx.js';

export const TOPIC_ROOT = 'bot';

/** Per-device topics, addressed by lowercase hex of the 8-byte device id. */
export const DeviceTopic = Object.freeze({ ACK: 'ack', PROOF: 'proof', REQUEST: 'req', RESPONSE: 'res' } as const);
export type DeviceTopic = (typeof DeviceTopic)[keyof typeof DeviceTopic];

export interface ChainTopics {
  /** Devices publish transactions here (QoS 1). */
  readonly up: string;
  /** Retained: the newest light block. */
  readonly header: string;
  /** Retained: the newest operator-signed checkpoint. */
  readonly checkpoint: string;
  /** Wildcard the gateway subscribes to for every device's requests. */
  readonly allRequests: string;
  device(deviceId: Uint8Array, topic: DeviceTopic): string;
}

export function chainTopics(chainId: Uint8Array): ChainTopics {
  if (chainId.length !== CHAIN_ID_BYTES) throw new RangeError('chain id must be 8 bytes');
  const base = `${TOPIC_ROOT}/${bytesToHex(chainId)}`;
  return Object.freeze({
    up: `${base}/up`,
    header: `${base}/header`,
    checkpoint: `${base}/checkpoint`,
    allRequests: `${base}/d/+/${DeviceTopic.REQUEST}`,
    device(deviceId: Uint8Array, topic: DeviceTopic): string {
      if (deviceId.length !== ID_BYTES) throw new RangeError('device id must be 8 bytes');
      return `${base}/d/${bytesToHex(deviceId)}/${topic}`;
    },
  });
}

/** The device id and topic of a per-device topic of this chain, or undefined for anything else. */
export function parseDeviceTopic(chainId: Uint8Array, topic: string): { deviceId: Uint8Array; topic: DeviceTopic } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[1] !== bytesToHex(chainId) || parts[2] !== 'd') return undefined;
  const hex = parts[3]!;
  if (!/^[0-9a-f]{16}$/.test(hex)) return undefined;
  const kind = parts[4] as DeviceTopic;
  if (!Object.values(DeviceTopic).includes(kind)) return undefined;
  return { deviceId: hexToBytes(hex), topic: kind };
}
