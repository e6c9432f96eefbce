// The key generation's broadcast over NATS core (tools layer, gateway/consortium): members of a
// chain publish and hear DKG messages (tools/gateway/frost-dkg/network-messages.ts) on the core
// subject botpeer.<chainhex>.dkg, not a JetStream stream — a key generation is a live exchange
// among connected members, its messages are signed and its shares encrypted, so nothing is kept.
// A connection hears its own publishes (NATS's default echo); the state machine ignores them.

import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { DkgTransport } from '../frost-dkg/network-dkg.js';
import { chainSubjects } from './chain-streams.js';

/** botpeer.<chainhex>.dkg (lowercase hex). */
export function dkgSubject(chainHex: string): string {
  return chainSubjects(chainHex).dkg;
}

/** A DkgTransport on a member's NATS connection (connectNats in nats-connection.ts). */
export function natsDkgTransport(nc: NatsConnection, chainHex: string): DkgTransport {
  return natsBroadcast(nc, dkgSubject(chainHex));
}

/** botpeer.<chainhex>.rekey: the approvals of a re-key that the members' key generation made (`botpeer member rekey`). */
export function rekeySubject(chainHex: string): string {
  return chainSubjects(chainHex).rekey;
}

/** Publish and hear every message on a core NATS subject. */
export function natsBroadcast(nc: NatsConnection, subject: string): DkgTransport {
  return {
    publish: (bytes) => nc.publish(subject, bytes),
    subscribe: (cb) => {
      const sub: Subscription = nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error === null || error === undefined) cb(msg.data);
        },
      });
      return () => sub.unsubscribe();
    },
  };
}
