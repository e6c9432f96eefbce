// Who may connect to the embedded broker (tools layer): the CONNECT check of
// docs/protocol.md §9.6. A client whose id is a device id (16 hex digits) must
// name the same id as username and prove possession of that device's key with a
// fresh token (src/mqtt/connect-auth.ts); the connection is then bound to that
// device. Any other client id, without username or password, is an observer that
// may only read the public topics (header, checkpoint). On a public chain a device not enrolled
// yet connects with the token's self-enrolling form (key and proof of work in it), to enrol itself.
//
// Replay: a token is accepted once. The last accepted time per device is kept in
// memory; the floor is this process's start, so a token recorded before a restart
// is refused too (it would also be outside the window by then, except right after
// a quick restart).

import {
  CONNECT_PASSWORD_MAX_CHARS, CONNECT_WINDOW_MS, ConnackCode, type LedgerState, AccountStatus, equalBytes, hexToBytes, openConnectToken,
  openSelfEnrollConnectToken,
} from '../../src/index.js';
import type { CryptoProvider } from '../../src/index.js';

const DEVICE_ID = /^[0-9a-f]{16}$/;

export interface ConnectGuardDeps {
  readonly crypto: CryptoProvider;
  readonly chainId: Uint8Array;
  /** The ledger state that decides who is enrolled, revoked, blocked. */
  readonly working: () => LedgerState;
  readonly now: () => number;
}

export type ConnectVerdict = { readonly code: ConnackCode; readonly device?: string; readonly reason?: string };

export class ConnectGuard {
  private readonly last = new Map<string, number>();
  private readonly floor: number;

  constructor(private readonly deps: ConnectGuardDeps) {
    this.floor = deps.now();
  }

  /** Whether a client id is one a connection can only get by proving a key. */
  static isDeviceId(clientId: string): boolean {
    return DEVICE_ID.test(clientId);
  }

  check(clientId: string, username: string | undefined, password: Uint8Array | undefined): ConnectVerdict {
    if (!DEVICE_ID.test(clientId)) {
      // An observer: no identity claimed. A username means a device that got its client id wrong: tell it.
      if (username !== undefined || password !== undefined) return { code: ConnackCode.IDENTIFIER_REJECTED, reason: 'a device connects with its id (16 lowercase hex digits) as client id and username' };
      return { code: ConnackCode.ACCEPTED };
    }
    if (username === undefined) return { code: ConnackCode.BAD_CREDENTIALS, reason: 'a device id must be proven: username and password' };
    if (username !== clientId) return { code: ConnackCode.IDENTIFIER_REJECTED, reason: 'username must equal the client id' };
    const id = hexToBytes(clientId);
    const state = this.deps.working();
    const account = state.account(id);
    // A public chain lets a device that is not enrolled connect to enrol itself (§9.6: the token's self-enrolling form).
    const limits = state.rules.publicLimits;
    if ((!account && !limits) || (account && (account.status === AccountStatus.REVOKED || state.blockEntry(id)))) {
      return { code: ConnackCode.NOT_AUTHORIZED, reason: !account ? 'not enrolled' : state.blockEntry(id) ? 'on the blocklist' : 'revoked' };
    }
    if (password === undefined) return { code: ConnackCode.BAD_CREDENTIALS, reason: 'no password' };
    let timeMs: number;
    try {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(password);
      // The self-enrolling form is longer than any plain token.
      if (limits && (!account || text.length > CONNECT_PASSWORD_MAX_CHARS)) {
        const opened = openSelfEnrollConnectToken(this.deps.crypto, this.deps.chainId, id, text, limits.powBits);
        if (account && !equalBytes(opened.publicKey, account.key)) return { code: ConnackCode.BAD_CREDENTIALS, reason: 'not the key of the enrolled device' };
        timeMs = opened.timeMs;
      } else {
        timeMs = openConnectToken(this.deps.crypto, this.deps.chainId, id, account!.key, text);
      }
    } catch (error) {
      return { code: ConnackCode.BAD_CREDENTIALS, reason: String((error as Error).message) };
    }
    const now = this.deps.now();
    if (Math.abs(timeMs - now) > CONNECT_WINDOW_MS) return { code: ConnackCode.BAD_CREDENTIALS, reason: `token time ${timeMs} more than ${CONNECT_WINDOW_MS} ms from ${now}` };
    // Older than this process (a CONNECT recorded before a restart), or not newer than this device's last.
    if (timeMs < this.floor || timeMs <= (this.last.get(clientId) ?? 0)) return { code: ConnackCode.BAD_CREDENTIALS, reason: 'token already used, or older than one already used' };
    this.last.set(clientId, timeMs);
    return { code: ConnackCode.ACCEPTED, device: clientId };
  }
}
