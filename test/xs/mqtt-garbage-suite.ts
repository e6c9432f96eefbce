// Garbage for the MQTT packet parser (test layer), platform-neutral: seeded random
// chunks after a valid CONNACK, and random packets with a real header byte and
// length, must give packets or a returned BotError(MQTT_MALFORMED); nothing thrown. Under XS
// this exercises the Buffer/BufferList shims on input no broker would send.

import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { type ProtocolVersion, createPacketParser, encodePacket } from '../../src/mqtt/client/mqtt-codec.js';
import { seededRandom } from './mqtt-fakes.js';

export interface GarbageReport {
  readonly runs: number;
  /** Inputs that ended in BotError(MQTT_MALFORMED). */
  readonly malformed: number;
  /** Anything else thrown: must stay empty. */
  readonly otherErrors: string[];
}

export function runGarbageSuite(version: ProtocolVersion, runs: number, seed = 1): GarbageReport {
  const random = seededRandom(seed);
  const byte = () => random(1)[0]!;
  const connack = encodePacket({ cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 }, version);
  let malformed = 0;
  const otherErrors: string[] = [];
  for (let run = 0; run < runs; run++) {
    const chunks: Uint8Array[] = [connack];
    const count = 1 + (byte() % 6);
    for (let c = 0; c < count; c++) {
      const length = byte() % 48;
      const body = random(length);
      // Half the time a plausible packet: header byte of a real type, exact remaining length.
      chunks.push(run % 2 === 0 ? body : Uint8Array.of(((1 + (byte() % 15)) << 4) | (byte() & 15), length, ...body));
    }
    const parser = createPacketParser(version);
    try {
      let failed: BotError | undefined;
      for (const chunk of chunks) failed ??= parser.push(chunk).error;
      if (failed !== undefined) {
        if (failed.code === ErrorCode.MQTT_MALFORMED) malformed++;
        else otherErrors.push(`wrong code: ${failed.message}`);
      }
    } catch (error) {
      otherErrors.push(String(error));
    }
  }
  return { runs, malformed, otherErrors };
}
