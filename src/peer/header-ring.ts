// A small ring of recently verified headers by height (core layer). Proofs name
// the block they are in; when the peer skipped that block (skipping
// verification) or verified it earlier, it looks here before asking the gateway.
// Fixed size: the oldest entry is overwritten, so memory stays bounded.

import type { Header } from '../chain/header.js';

export class HeaderRing {
  private readonly slots: (Header | undefined)[];
  private cursor = 0;

  constructor(size: number) {
    this.slots = new Array<Header | undefined>(size).fill(undefined);
  }

  put(header: Header): void {
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slots[i]?.height === header.height) {
        this.slots[i] = header;
        return;
      }
    }
    this.slots[this.cursor] = header;
    this.cursor = (this.cursor + 1) % this.slots.length;
  }

  get(height: number): Header | undefined {
    for (const header of this.slots) if (header?.height === height) return header;
    return undefined;
  }

  clear(): void {
    this.slots.fill(undefined);
  }
}
