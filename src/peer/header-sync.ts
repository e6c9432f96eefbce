// Header sync of the light peer (core layer): what it trusts and how that moves.
// Every light block from the retained header topic goes through verifyHeader;
// applying is a separate step. VALSET_CHANGED starts a range sync (HEADER_RANGE
// from trusted + 1, verified header by header); TRUST_EXPIRED re-anchors on the
// operator's checkpoint (retained topic, or a CHECKPOINT request) and the peer is
// UNTRUSTED until it can. Headers below the trusted height come from a small ring
// of verified headers or are fetched and checked with verifyPastHeader. A rejected
// header is reported and changes nothing. The trusted header is persisted: at once
// when the validator set changes or on re-anchoring, otherwise at most every
// trustSaveIntervalMs (flash wear); a reboot then resumes from it.

import { equalBytes } from '../codec/bytes.js';
import { BotError } from '../errors/bot-error.js';
import { ErrorCode } from '../errors/error-codes.js';
import { type LightBlock, decodeLightBlock } from '../chain/commit.js';
import { type Checkpoint, decodeCheckpoint } from '../chain/checkpoint.js';
import { type Header, headerHash } from '../chain/header.js';
import { type TrustedState, trustFromGenesis } from '../light/trust.js';
import { type VerifiedHeader, applyHeader, verifyHeader } from '../light/verify-header.js';
import { verifyCheckpoint } from '../light/verify-checkpoint.js';
import { verifyPastHeader } from '../light/verify-past-header.js';
import { MAX_HEADER_RANGE, Method, type Response } from '../mqtt/messages.js';
import { StoreKey } from './identity-store.js';
import { HeaderRing } from './header-ring.js';
import type { PeerContext } from './peer-context.js';
import { LogLevel } from '../ports/log.js';
import { loadTrust, saveTrust } from './trust-store.js';

/** Verified headers kept for proofs of recent blocks: about 3 KB. */
export const HEADER_RING_SIZE = 8;
/** Past headers fetched at once. */
export const MAX_PAST_FETCHES = 4;

export interface HeaderSyncHooks {
  /** Trust moved or a past header became available: buffered proofs may now check. */
  onAdvance(): void;
  /** No verifiable header for this height can be had now: proofs waiting for it are dropped (asked again later). */
  onPastUnavailable(height: number): void;
}

function codeOf(error: unknown): number {
  return error instanceof BotError ? error.code : ErrorCode.INTERNAL;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class HeaderSync {
  private state: TrustedState;
  /** The header behind `state`; undefined while trust is the genesis. */
  private header: Header | undefined;
  private readonly ring = new HeaderRing(HEADER_RING_SIZE);
  private expired = false;
  private lastCheckpoint: Checkpoint | undefined;
  /** The newest light block not yet verifiable (validator set changed, or trust expired). */
  private candidate: LightBlock | undefined;
  private syncing = false;
  private nextSyncAt = 0;
  private askingCheckpoint = false;
  private nextCheckpointAt = 0;
  private readonly fetching = new Set<number>();
  private saved: { at: number; validatorsHash: Uint8Array; nextValidatorsHash: Uint8Array } | undefined;
  private dirty = false;

  constructor(private readonly ctx: PeerContext, private readonly hooks: HeaderSyncHooks) {
    const { crypto, store, config, chainId, clock } = ctx;
    const loaded = loadTrust(crypto, store, chainId);
    if (loaded) {
      this.state = loaded.state;
      this.header = loaded.header;
      this.ring.put(loaded.header);
      this.saved = { at: clock.now(), validatorsHash: loaded.state.validatorsHash, nextValidatorsHash: loaded.state.nextValidatorsHash };
    } else {
      if (store.get(StoreKey.TRUST) !== undefined) ctx.log(LogLevel.WARN, 'stored trusted header unreadable: starting from the genesis');
      this.state = trustFromGenesis(crypto, config.genesis);
    }
  }

  get trusted(): TrustedState {
    return this.state;
  }

  /** The trust period ran out and no checkpoint re-anchored the peer yet. */
  get untrusted(): boolean {
    return this.expired;
  }

  headerAt(height: number): Header | undefined {
    return this.ring.get(height);
  }

  onLightBlock(bytes: Uint8Array): void {
    let block: LightBlock;
    try {
      block = decodeLightBlock(bytes);
    } catch (error) {
      this.reject(codeOf(error), `light block: ${messageOf(error)}`);
      return;
    }
    this.consider(block);
  }

  onCheckpoint(bytes: Uint8Array): void {
    let checkpoint: Checkpoint;
    try {
      checkpoint = decodeCheckpoint(bytes);
    } catch (error) {
      this.reject(codeOf(error), `checkpoint: ${messageOf(error)}`);
      return;
    }
    // Kept for when trust runs out; used at once if it already has.
    if (this.isExpired()) this.anchor(checkpoint);
    else this.lastCheckpoint = checkpoint;
  }

  /** Asks for what is missing; called every maintenance tick. */
  tick(now: number): void {
    if (this.isExpired()) this.markExpired();
    if (this.candidate && !this.syncing && now >= this.nextSyncAt) this.startRangeSync();
    if (this.dirty) this.save(false);
  }

  onConnect(): void {
    this.nextCheckpointAt = 0;
    this.nextSyncAt = 0;
    if (this.isExpired()) this.markExpired();
    if (this.candidate) this.startRangeSync();
  }

  /** Writes the trusted header if it changed since the last write (on stop). */
  flush(): void {
    if (this.dirty) this.save(true);
  }

  /** Fetches a header below the trusted height for a proof; the hooks say how it went. */
  fetchPast(height: number): void {
    if (this.fetching.has(height) || this.fetching.size >= MAX_PAST_FETCHES || height < 1 || height > this.state.height) return;
    if (this.isExpired()) return;
    const sent = this.ctx.request(Method.HEADER_RANGE, [height, height], (response) => this.onPast(height, response));
    if (sent) this.fetching.add(height);
  }

  /**
   * Fetches the light block at `height`, above the trusted one, and considers it exactly as if it
   * had been pushed (a state proof's answer named that height before its header arrived).
   */
  fetchNewer(height: number): void {
    if (height <= this.state.height || this.fetching.has(height) || this.fetching.size >= MAX_PAST_FETCHES) return;
    const sent = this.ctx.request(Method.HEADER_RANGE, [height, height], (response) => {
      this.fetching.delete(height);
      if (response?.code === ErrorCode.OK && response.payloads.length === 1) this.onLightBlock(response.payloads[0]!);
    });
    if (sent) this.fetching.add(height);
  }

  private isExpired(): boolean {
    return this.ctx.clock.now() - this.state.time > this.ctx.config.trust.trustPeriodMs;
  }

  private consider(block: LightBlock): void {
    const { crypto, clock, config } = this.ctx;
    if (block.header.height <= this.state.height && this.isKnown(block.header)) return; // a retained header delivered again
    const result = verifyHeader(crypto, this.state, block, clock.now(), config.trust);
    if (result.ok) {
      this.apply(result.value);
      return;
    }
    if (result.code === ErrorCode.VALSET_CHANGED) {
      this.keepCandidate(block);
      this.startRangeSync();
    } else if (result.code === ErrorCode.TRUST_EXPIRED) {
      this.keepCandidate(block);
      this.markExpired();
    } else {
      this.reject(result.code, `header ${block.header.height}: ${result.reason}`);
    }
  }

  private isKnown(header: Header): boolean {
    const known = header.height === this.state.height ? this.header : this.ring.get(header.height);
    return known !== undefined && equalBytes(headerHash(this.ctx.crypto, known), headerHash(this.ctx.crypto, header));
  }

  private keepCandidate(block: LightBlock): void {
    if (!this.candidate || block.header.height > this.candidate.header.height) this.candidate = block;
  }

  private apply(verified: VerifiedHeader): void {
    this.state = applyHeader(this.state, verified);
    this.header = verified.header;
    this.ring.put(verified.header);
    this.ctx.counters.headersVerified++;
    this.ctx.emit({ type: 'header', height: verified.header.height });
    if (this.candidate && this.candidate.header.height <= this.state.height) this.candidate = undefined;
    this.save(false);
    this.hooks.onAdvance();
  }

  private startRangeSync(): void {
    const candidate = this.candidate;
    if (this.syncing || !candidate || !this.ctx.connected()) return;
    const from = this.state.height + 1;
    const to = Math.min(from + MAX_HEADER_RANGE - 1, candidate.header.height);
    const sent = this.ctx.request(Method.HEADER_RANGE, [from, to], (response) => this.onRange(response));
    if (sent) this.syncing = true;
  }

  private onRange(response: Response | undefined): void {
    const { crypto, clock, config } = this.ctx;
    this.syncing = false;
    if (!response || response.code !== ErrorCode.OK) {
      this.nextSyncAt = clock.now() + config.requestTimeoutMs;
      if (response) this.ctx.log(LogLevel.WARN, `header range refused: ${response.code}`);
      return;
    }
    const before = this.state.height;
    for (const payload of response.payloads) {
      let block: LightBlock;
      try {
        block = decodeLightBlock(payload);
      } catch (error) {
        this.reject(codeOf(error), `range: ${messageOf(error)}`);
        break;
      }
      if (block.header.height <= this.state.height) continue;
      const result = verifyHeader(crypto, this.state, block, clock.now(), config.trust);
      if (!result.ok) {
        this.reject(result.code, `range header ${block.header.height}: ${result.reason}`);
        break;
      }
      this.apply(result.value);
    }
    const candidate = this.candidate;
    if (!candidate) return;
    // Once the trusted header names its own set again, the candidate may be reached by skipping.
    const result = verifyHeader(crypto, this.state, candidate, clock.now(), config.trust);
    if (result.ok) {
      this.apply(result.value);
    } else if (result.code === ErrorCode.VALSET_CHANGED && this.state.height > before) {
      this.startRangeSync();
    } else if (result.code === ErrorCode.TRUST_EXPIRED) {
      this.markExpired();
    } else {
      // The gateway's chain does not lead to it: report it as what it is.
      this.candidate = undefined;
      this.reject(result.code, `header ${candidate.header.height}: ${result.reason}`);
    }
  }

  private markExpired(): void {
    if (!this.expired) {
      this.expired = true;
      this.ctx.report(ErrorCode.TRUST_EXPIRED, `trusted header ${this.state.height} is past the trust period`);
      this.ctx.refreshState();
    }
    const checkpoint = this.lastCheckpoint;
    this.lastCheckpoint = undefined; // tried once; a fresh one comes by topic or request
    if (checkpoint && this.anchor(checkpoint)) return;
    this.askCheckpoint();
  }

  private askCheckpoint(): void {
    const now = this.ctx.clock.now();
    if (this.askingCheckpoint || now < this.nextCheckpointAt) return;
    const sent = this.ctx.request(Method.CHECKPOINT, [], (response) => {
      this.askingCheckpoint = false;
      this.nextCheckpointAt = this.ctx.clock.now() + this.ctx.config.recheckIntervalMs;
      if (response && response.code === ErrorCode.OK && response.payloads.length > 0) this.onCheckpoint(response.payloads[0]!);
      else if (response) this.ctx.log(LogLevel.WARN, `checkpoint request refused: ${response.code}`);
    });
    if (sent) this.askingCheckpoint = true;
  }

  private anchor(checkpoint: Checkpoint): boolean {
    const { crypto, clock, config, chainId } = this.ctx;
    const result = verifyCheckpoint(crypto, { chainId, operatorKey: config.genesis.operatorKey }, this.state, checkpoint, clock.now(), config.trust);
    if (!result.ok) {
      this.reject(result.code, `checkpoint ${checkpoint.header.height}: ${result.reason}`);
      return false;
    }
    this.state = result.value;
    this.header = checkpoint.header;
    this.ring.put(checkpoint.header);
    this.expired = false;
    this.ctx.counters.headersVerified++;
    this.ctx.emit({ type: 'anchored', height: checkpoint.header.height });
    this.ctx.log(LogLevel.INFO, `re-anchored on checkpoint ${checkpoint.header.height}`);
    this.save(true);
    this.ctx.refreshState();
    const candidate = this.candidate;
    this.candidate = undefined;
    if (candidate && candidate.header.height > this.state.height) this.consider(candidate);
    this.hooks.onAdvance();
    return true;
  }

  private onPast(height: number, response: Response | undefined): void {
    const { crypto, clock, config } = this.ctx;
    this.fetching.delete(height);
    if (!response || response.code !== ErrorCode.OK || response.payloads.length === 0) {
      this.hooks.onPastUnavailable(height);
      return;
    }
    let block: LightBlock;
    try {
      block = decodeLightBlock(response.payloads[0]!);
    } catch (error) {
      this.reject(codeOf(error), `past header ${height}: ${messageOf(error)}`);
      this.hooks.onPastUnavailable(height);
      return;
    }
    if (block.header.height !== height) {
      this.reject(ErrorCode.BAD_SHAPE, `asked for header ${height}, got ${block.header.height}`);
      this.hooks.onPastUnavailable(height);
      return;
    }
    const result = verifyPastHeader(crypto, this.state, block, clock.now(), config.trust);
    if (!result.ok) {
      this.reject(result.code, `past header ${height}: ${result.reason}`);
      this.hooks.onPastUnavailable(height);
      return;
    }
    this.ring.put(result.value.header);
    this.hooks.onAdvance();
  }

  private save(force: boolean): void {
    const header = this.header;
    if (!header) return;
    const now = this.ctx.clock.now();
    const saved = this.saved;
    const setChanged = !saved
      || !equalBytes(saved.validatorsHash, this.state.validatorsHash)
      || !equalBytes(saved.nextValidatorsHash, this.state.nextValidatorsHash);
    if (!force && !setChanged && now - saved.at < this.ctx.config.trustSaveIntervalMs) {
      this.dirty = true;
      return;
    }
    try {
      saveTrust(this.ctx.store, { header, validators: this.state.validators });
      this.saved = { at: now, validatorsHash: this.state.validatorsHash, nextValidatorsHash: this.state.nextValidatorsHash };
      this.dirty = false;
    } catch (error) {
      this.dirty = true;
      this.ctx.report(ErrorCode.STORAGE, `trusted header not saved: ${messageOf(error)}`);
    }
  }

  private reject(code: number, detail: string): void {
    this.ctx.counters.headersRejected++;
    this.ctx.report(code, detail);
    this.ctx.emit({ type: 'header-rejected', code, detail });
  }
}
