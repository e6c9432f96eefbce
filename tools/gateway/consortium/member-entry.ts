// A consortium member's front door (tools layer): what its embedded broker's devices
// publish on bot/<chain>/up. Only the cheap, local checks run here (in this order):
//
//   header read → the sender is the connection's own device (§9.6) → the sender is an
//   account that may send → the connection's rate limit
//
// and then the wire goes to the chain stream. Signatures, admission and the ack come from
// this member's replay of the stream (member-executor.ts), the same for every member: an
// ack of OK means the transaction is replicated in the stream and admitted. What fails here
// is answered to the sending connection only (it is bound to its device by its CONNECT proof),
// and nothing reaches the stream. A connection that keeps flooding is reported: once one of
// its transactions verifies, the member signs a BLOCK_REPORT, which every member then enforces.

import {
  BotError, type CryptoProvider, ErrorCode, type LedgerState, type SignedTx, TX_LIMITS, bytesToHex, decodeTx,
  signingKey, verifyTxSignature,
} from '../../../src/index.js';
import type { RateLimiter } from '../rate-limiter.js';
import { readTxHeader } from '../tx-header.js';

export interface EntryDeps {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  readonly working: () => LedgerState;
  readonly rate: RateLimiter;
  readonly now: () => number;
  /** Appends to the chain stream; resolves once replicated. */
  readonly forward: (wire: Uint8Array) => Promise<number>;
  /** This member answers `sender`'s transaction `seq` once its replay reaches it. */
  readonly own: (sender: Uint8Array, seq: number) => void;
  /** A verdict for the sending connection (bound to device `conn`). */
  readonly answer: (conn: string, seq: number, code: number) => void;
  /** A device kept flooding and one of its transactions verified: report it. */
  readonly onFlood: (sender: Uint8Array) => void;
}

export interface EntryStats {
  forwarded: number;
  refused: Record<string, number>;
}

const DEVICE_ID_HEX = /^[0-9a-f]{16}$/;

export class MemberEntry {
  readonly stats: EntryStats = { forwarded: 0, refused: {} };

  constructor(private readonly deps: EntryDeps) {}

  handle(payload: Uint8Array, clientId: string | undefined): void {
    const conn = clientId !== undefined && DEVICE_ID_HEX.test(clientId) ? clientId : undefined;
    // Only an authenticated connection reaches the stream through this door (the gateway's own
    // reports go straight to `forward`).
    if (conn === undefined) return this.count(ErrorCode.WRONG_SENDER);
    if (payload.length > TX_LIMITS.maxBytes) return this.refuse(conn, 0, ErrorCode.TOO_LARGE);
    const wire = payload.slice();
    let tx: SignedTx | undefined = readTxHeader(wire);
    if (!tx) {
      try {
        tx = decodeTx(wire);
      } catch (error) {
        return this.refuse(conn, 0, error instanceof BotError ? error.code : ErrorCode.MALFORMED_CBOR);
      }
    }
    if (bytesToHex(tx.sender) !== conn) return this.refuse(conn, tx.seq, ErrorCode.WRONG_SENDER);
    const working = this.deps.working();
    const key = signingKey(working, tx);
    if (!key.ok) return this.refuse(conn, tx.seq, key.code);
    const rate = this.deps.rate.take(conn, this.deps.now());
    if (rate !== 'ok') {
      if (rate === 'flood' && this.verifies(wire, key.value)) this.deps.onFlood(tx.sender);
      return this.refuse(conn, tx.seq, ErrorCode.RATE_LIMITED);
    }
    this.deps.own(tx.sender, tx.seq);
    const seq = tx.seq;
    this.deps.forward(wire).then(
      () => void this.stats.forwarded++,
      // Not replicated: nothing happened, and INTERNAL tells the device to send it again later.
      () => this.refuse(conn, seq, ErrorCode.INTERNAL),
    );
  }

  /** Only a transaction its sender signed may get it reported (a rare path: verified on this thread). */
  private verifies(wire: Uint8Array, key: Uint8Array): boolean {
    try {
      return verifyTxSignature(this.deps.crypto, this.deps.chainId, decodeTx(wire), key).ok;
    } catch {
      return false;
    }
  }

  private refuse(conn: string, seq: number, code: number): void {
    this.count(code);
    this.deps.answer(conn, seq, code);
  }

  private count(code: number): void {
    const name = String(code);
    this.stats.refused[name] = (this.stats.refused[name] ?? 0) + 1;
  }
}
