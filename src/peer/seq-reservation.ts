// Sequence numbers that survive reboots (core layer). Writing the counter to
// flash for every transaction would wear it out, so the peer reserves a block of
// numbers with one write and stores only the ceiling; the ceiling is durable
// before any number below it is used. After a reboot the peer continues above the
// stored ceiling, skipping the unused rest of the block: never a reuse, and a gap
// the gateway accepts (seqReserve < MAX_SEQ_JUMP).

import { decodeCbor, encodeCbor } from '../codec/cbor.js';
import { SMALL_LIMITS } from '../codec/limits.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { StoreKey } from './identity-store.js';
import type { KeyValueStore } from '../ports/storage.js';

export class SeqReservation {
  private ceiling: number;
  private nextSeq: number;

  /** `floor`: the highest seq found in the outbox (defensive: never below what was signed). */
  constructor(private readonly store: KeyValueStore, private readonly reserve: number, floor: number) {
    const stored = store.get(StoreKey.SEQ_CEILING);
    let ceiling = 0;
    if (stored !== undefined) {
      let value: unknown;
      try {
        value = decodeCbor(stored, SMALL_LIMITS);
      } catch {
        value = undefined;
      }
      // Without the ceiling the peer cannot know which numbers it used: refuse rather than risk a reuse.
      if (typeof value !== 'number' || value < 0) throw new BotError(ErrorCode.STORAGE, 'stored sequence ceiling is corrupt');
      ceiling = value;
    }
    this.ceiling = ceiling;
    this.nextSeq = Math.max(ceiling, floor) + 1;
    if (this.nextSeq > this.ceiling) this.ceiling = this.nextSeq - 1;
  }

  /** The seq the next transaction will get. */
  get next(): number {
    return this.nextSeq;
  }

  /** Takes the next seq, first making a new reservation durable when the current one is used up. Throws on a store failure (nothing taken). */
  take(): number {
    if (this.nextSeq > this.ceiling) {
      const ceiling = this.nextSeq + this.reserve - 1;
      this.store.set(StoreKey.SEQ_CEILING, encodeCbor(ceiling));
      this.ceiling = ceiling;
    }
    return this.nextSeq++;
  }
}
