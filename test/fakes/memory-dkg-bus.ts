// An in-memory broadcast bus for the network key generation (test fake for
// tools/gateway/frost-dkg/network-dkg.ts's DkgTransport): every publish reaches every subscriber,
// the publisher included (as NATS core does), in publish order, each publish in its own microtask so
// that no participant runs inside another's publish. `watch` sees every message (tests wait on it);
// `inject` publishes bytes from outside (forgeries).

import type { DkgTransport } from '../../tools/gateway/frost-dkg/network-dkg.js';

export class MemoryDkgBus {
  private readonly subscribers = new Set<(bytes: Uint8Array) => void>();
  private readonly watchers = new Set<(bytes: Uint8Array) => void>();
  /** Every message published, in order. */
  readonly published: Uint8Array[] = [];

  /** A participant's view of the bus. */
  transport(): DkgTransport {
    return {
      publish: (bytes) => this.inject(bytes),
      subscribe: (cb) => {
        this.subscribers.add(cb);
        return () => this.subscribers.delete(cb);
      },
    };
  }

  inject(bytes: Uint8Array): void {
    // new Uint8Array, not slice(): encodeCbor's bytes are Node Buffers, whose slice() is a view.
    const copy = new Uint8Array(bytes);
    this.published.push(copy);
    for (const w of this.watchers) w(copy);
    // Subscribers are taken when the microtask runs, so members started in one synchronous loop all hear the first publishes.
    queueMicrotask(() => {
      for (const cb of [...this.subscribers]) cb(new Uint8Array(copy));
    });
  }

  /** Calls cb with every later message; returns the function that stops it. */
  watch(cb: (bytes: Uint8Array) => void): () => void {
    this.watchers.add(cb);
    return () => this.watchers.delete(cb);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
