// MQTT packet codec of the light peer (core layer): mqtt-packet 9 behind a small
// typed surface, bytes in and packets out, no I/O. On Node mqtt-packet uses the real
// Buffer, EventEmitter and bl; bundles for XS substitute buffer-shim.ts,
// events-shim.ts, buffer-list-shim.ts and a no-op `debug` (tools/xs/xs-runner.ts has
// the map; a firmware build needs the same). mqtt-packet's own typings need Node's
// types, which the core does not have, so the few members used here are typed locally.

import mqttPacket from 'mqtt-packet';
import { BotError } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { utf8Length, utf8Write } from './utf8.js';

export type ProtocolVersion = 4 | 5;

/** A packet as mqtt-packet's parser emits it: the fields the client reads. */
export interface IncomingPacket {
  readonly cmd: string;
  readonly messageId?: number;
  readonly qos?: number;
  readonly dup?: boolean;
  readonly retain?: boolean;
  readonly topic?: string;
  readonly payload?: Uint8Array;
  readonly sessionPresent?: boolean;
  /** CONNACK in 3.1.1. */
  readonly returnCode?: number;
  /** CONNACK, PUBACK, DISCONNECT in 5. */
  readonly reasonCode?: number;
  /** SUBACK. */
  readonly granted?: readonly number[];
  readonly properties?: Readonly<Record<string, unknown>>;
}

export interface ConnectProperties {
  sessionExpiryInterval?: number;
  receiveMaximum?: number;
}

export type OutgoingPacket =
  | {
      cmd: 'connect';
      protocolVersion: ProtocolVersion;
      clientId: string;
      clean: boolean;
      keepalive: number;
      username?: string;
      password?: string;
      properties?: ConnectProperties;
    }
  | { cmd: 'publish'; topic: string; payload: Uint8Array; qos: 0 | 1; dup: boolean; retain: boolean; messageId?: number }
  | { cmd: 'puback'; messageId: number; reasonCode?: number }
  | { cmd: 'subscribe'; messageId: number; subscriptions: { topic: string; qos: 0 | 1 }[] }
  | { cmd: 'pingreq' }
  | { cmd: 'disconnect'; reasonCode?: number }
  // What a broker sends, for tests and fake brokers.
  | { cmd: 'connack'; sessionPresent: boolean; returnCode?: number; reasonCode?: number; properties?: Record<string, unknown> }
  | { cmd: 'suback'; messageId: number; granted: number[] }
  | { cmd: 'pingresp' };

interface ParserLike {
  on(event: 'packet', listener: (packet: IncomingPacket) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  parse(bytes: Uint8Array): number;
}

interface SinkLike {
  write(chunk: Uint8Array | string): boolean;
  destroy(error?: Error): void;
}

interface MqttPacketModule {
  parser(options: { protocolVersion: ProtocolVersion }): ParserLike;
  writeToStream: ((packet: OutgoingPacket, stream: SinkLike, options: { protocolVersion: ProtocolVersion }) => boolean) & {
    cacheNumbers: boolean;
  };
}

const codec = mqttPacket as unknown as MqttPacketModule;
// Left on, the first packet would build a cache of 65,536 two-byte Buffers (about 4 MB
// under XS, and a write into a frozen object once preloaded on a Moddable device).
codec.writeToStream.cacheNumbers = false;

export interface ParseResult {
  /** The packets these bytes completed, in order (those before a fault included). */
  readonly packets: IncomingPacket[];
  /** Set when the bytes are not MQTT: BotError(MQTT_MALFORMED); the connection must be closed. */
  readonly error?: BotError;
}

export interface PacketParser {
  /**
   * Feeds received bytes. Never throws: a fault is returned with the packets completed
   * before it, so the outcome does not depend on where the stream was cut into chunks.
   * After a fault every push returns the error again. Keeps views of `bytes` until
   * their packets are out.
   */
  push(bytes: Uint8Array): ParseResult;
}

export function createPacketParser(protocolVersion: ProtocolVersion): PacketParser {
  const parser = codec.parser({ protocolVersion });
  let packets: IncomingPacket[] = [];
  let error: BotError | undefined;
  parser.on('packet', (packet) => packets.push(packet));
  parser.on('error', (cause) => {
    error ??= new BotError(ErrorCode.MQTT_MALFORMED, cause.message);
  });
  return {
    push(bytes) {
      if (error !== undefined) return { packets: [], error };
      try {
        parser.parse(bytes);
      } catch (cause) {
        // mqtt-packet throws (rather than emits) on some garbage, e.g. a truncated v5 user property.
        error ??= new BotError(ErrorCode.MQTT_MALFORMED, cause instanceof Error ? cause.message : String(cause));
      }
      const out = packets;
      packets = [];
      return error === undefined ? { packets: out } : { packets: out, error };
    },
  };
}

/** Collects what writeToStream writes: Buffers (Uint8Arrays) and UTF-8 strings. */
class Sink implements SinkLike {
  readonly chunks: (Uint8Array | string)[] = [];
  length = 0;
  error: Error | undefined;

  write(chunk: Uint8Array | string): boolean {
    this.chunks.push(chunk);
    this.length += typeof chunk === 'string' ? utf8Length(chunk) : chunk.length;
    return true;
  }

  destroy(error?: Error): void {
    this.error ??= error ?? new Error('destroyed');
  }
}

/**
 * One packet's bytes. Encodes into its own collector rather than mqtt-packet's
 * `generate`, whose accumulator needs Buffer#copy on every chunk: this way a plain
 * Uint8Array payload works with the real Buffer and with the shim alike.
 * Throws RangeError for a packet mqtt-packet refuses (a bug in the caller).
 */
export function encodePacket(packet: OutgoingPacket, protocolVersion: ProtocolVersion): Uint8Array {
  const sink = new Sink();
  codec.writeToStream(packet, sink, { protocolVersion });
  if (sink.error !== undefined) {
    throw new RangeError(`cannot encode MQTT ${packet.cmd}: ${sink.error?.message ?? 'refused by mqtt-packet'}`);
  }
  const out = new Uint8Array(sink.length);
  let pos = 0;
  for (const chunk of sink.chunks) {
    if (typeof chunk === 'string') pos += utf8Write(chunk, out, pos);
    else {
      out.set(chunk, pos);
      pos += chunk.length;
    }
  }
  return out;
}
