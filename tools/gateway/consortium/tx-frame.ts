// Forwarded transactions, framed (tools layer): a member forwards what its broker admits to the
// chain stream in frames of several transactions, each a 2-byte big-endian length and the wire
// bytes (docs/protocol.md §12.1). One stream message per frame instead of per transaction: the
// JetStream publish, PubAck, delivery to every member and its parsing are paid once per frame
// (measured with bench:consortium, where they were most of a member's CPU per transaction).
// Hand-written because it is four lines a side and every reader must bound it the same way.

import { TX_LIMITS } from '../../../src/index.js';

/** The stream refuses messages over 5 120 bytes (chain-streams.ts, MAX_WIRE_BYTES): a frame stays below. */
export const MAX_FRAME_BYTES = 5000;

export function frameBytes(wires: readonly Uint8Array[]): number {
  return wires.reduce((n, w) => n + 2 + w.length, 0);
}

export function encodeTxFrame(wires: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frameBytes(wires));
  let at = 0;
  for (const wire of wires) {
    out[at] = wire.length >> 8;
    out[at + 1] = wire.length & 0xff;
    out.set(wire, at + 2);
    at += 2 + wire.length;
  }
  return out;
}

/**
 * The transactions of a frame (views into `frame`), or undefined for bytes that are not one: a
 * length of 0 or over the largest transaction, or one that runs past the end. Anyone on a NATS
 * MQTT listener can publish on the frames' subject, so nothing of a bad frame is used.
 */
export function decodeTxFrame(frame: Uint8Array): Uint8Array[] | undefined {
  const wires: Uint8Array[] = [];
  let at = 0;
  while (at < frame.length) {
    if (at + 2 > frame.length) return undefined;
    const length = (frame[at]! << 8) | frame[at + 1]!;
    if (length === 0 || length > TX_LIMITS.maxBytes || at + 2 + length > frame.length) return undefined;
    wires.push(frame.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return wires.length > 0 ? wires : undefined;
}
