// The explorer's verifier (browser, bundled with the core): it trusts the gateway for nothing.
// From the genesis bytes it computes the chain id and the initial trust, then checks each header
// it needs with the core's light client (verifyHeader: chain id, height and time, the commit's
// signatures by the genesis validators) and each transaction's inclusion proof against a header
// it verified itself (verifyTxInclusion), after hashing the transaction's bytes to its id. This is
// the code a device runs (src/light), with the pure-JS noble crypto provider.
//
// Skipping, as a device does: while the validator set is unchanged, a header at any height is
// verified on one commit check against the trusted set; if the set changed, the headers are
// walked one by one. The page anchors at the newest checkpoint when the gateway serves one and
// it verifies (signed by the operator key the genesis names, as a device re-anchors): headers
// above it are verified from it, older ones from the genesis. The trust period spans the
// chain's age (as `botpeer verify` does): a page inspects old blocks, a device only new ones.

import {
  type CryptoProvider, type Genesis, type LightBlock, type TrustOptions, type TrustedState, type VerifiedHeader, ErrorCode, applyHeader,
  bytesToHex, chainIdOf, createNobleCrypto, decodeCheckpoint, decodeGenesis, decodeLightBlock, decodeProof, decodeTx, errorName, hexToBytes,
  makeTrustOptions, trustFromGenesis, txId, verifyCheckpoint, verifyHeader, verifyTxInclusion,
} from '../../src/index.js';

export interface TxVerdict {
  readonly ok: boolean;
  /** One line: what was checked, or what failed. */
  readonly summary: string;
  readonly steps: readonly string[];
}

/** A header the light client refused, with its code (the views say "proof refused: <code>"). */
export class HeaderRefused extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export class BrowserVerifier {
  readonly crypto: CryptoProvider = createNobleCrypto();
  private readonly headers = new Map<number, VerifiedHeader>();
  private readonly fromGenesis: TrustedState;
  /** Why the page did not anchor at the gateway's checkpoint, if it refused one. */
  anchorNote: string | undefined;
  /** The checkpoint the page anchored at, once verified. */
  private fromCheckpoint: TrustedState | undefined;
  /** The newest header verified so far (advanced as blocks arrive). */
  private latest: TrustedState;

  private constructor(readonly genesis: Genesis, readonly chainId: Uint8Array, readonly genesisBytes: Uint8Array) {
    this.fromGenesis = trustFromGenesis(this.crypto, genesis);
    this.latest = this.fromGenesis;
  }

  static async load(): Promise<BrowserVerifier> {
    const bytes = await fetchBytes('/genesis.cbor');
    const genesis = decodeGenesis(bytes);
    const verifier = new BrowserVerifier(genesis, chainIdOf(createNobleCrypto(), genesis), bytes);
    verifier.anchorNote = await verifier.anchorAtCheckpoint();
    return verifier;
  }

  /** Where the page's trust starts: "the genesis" or "the checkpoint at height N". */
  get anchor(): string {
    return this.fromCheckpoint ? `the checkpoint at height ${this.fromCheckpoint.height}` : 'the genesis';
  }

  /** Anchors at the gateway's newest checkpoint if it verifies; a missing or bad one leaves the genesis (and says why). */
  async anchorAtCheckpoint(): Promise<string | undefined> {
    const response = await fetch('/checkpoint.cbor');
    if (response.status === 404) return undefined;
    try {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const checkpoint = decodeCheckpoint(new Uint8Array(await response.arrayBuffer()));
      const anchor = { chainId: this.chainId, operatorKey: this.genesis.operatorKey };
      const result = verifyCheckpoint(this.crypto, anchor, undefined, checkpoint, Date.now(), this.trust());
      if (!result.ok) throw new Error(`${errorName(result.code)}: ${result.reason}`);
      this.fromCheckpoint = result.value;
      this.headers.set(result.value.height, { header: checkpoint.header, headerHash: result.value.headerHash, validators: checkpoint.validators });
      if (result.value.height > this.latest.height) this.latest = result.value;
      return undefined;
    } catch (error) {
      return `checkpoint refused, anchored at the genesis: ${(error as Error).message}`;
    }
  }

  get verifiedHeight(): number {
    return this.latest.height;
  }

  private trust(): TrustOptions {
    return makeTrustOptions({ trustPeriodMs: Math.max(0, Date.now() - this.genesis.time) + 24 * 3600_000 });
  }

  private async lightBlock(height: number): Promise<LightBlock> {
    return decodeLightBlock(await fetchBytes(`/blocks/${height}/light`));
  }

  /** Moves the page's trust to the header at `height` (newer than the trusted one), skipping while the set is unchanged. */
  async advance(height: number): Promise<VerifiedHeader> {
    if (height <= this.latest.height) return this.headerAt(height);
    const verified = await this.verifyFrom(this.latest, height);
    // Blocks arrive while a header is being fetched: trust only ever moves forward.
    if (verified.header.height > this.latest.height) this.latest = applyHeader(this.latest, verified);
    return verified;
  }

  /** The header at `height`, verified by this page (cached): from the checkpoint when it is above it, else from the genesis. */
  async headerAt(height: number): Promise<VerifiedHeader> {
    const known = this.headers.get(height);
    if (known) return known;
    const base = this.fromCheckpoint && height > this.fromCheckpoint.height ? this.fromCheckpoint : this.fromGenesis;
    return this.verifyFrom(base, height);
  }

  /** What header `height` was verified from, for the verdict. */
  private sourceOf(height: number): string {
    return this.fromCheckpoint && height >= this.fromCheckpoint.height ? `the operator-signed checkpoint at height ${this.fromCheckpoint.height}` : 'the genesis';
  }

  /**
   * A light block someone else served (a provenance answer carries its own), verified here as if
   * the page had fetched it: from the checkpoint or the genesis, cached. A header this page holds
   * already wins over the served one; a changed validator set falls back to walking /blocks.
   */
  async acceptLightBlock(block: LightBlock): Promise<VerifiedHeader> {
    const height = block.header.height;
    const known = this.headers.get(height);
    if (known) return known;
    const base = this.fromCheckpoint && height > this.fromCheckpoint.height ? this.fromCheckpoint : this.fromGenesis;
    return this.verifyFrom(base, height, block);
  }

  private async verifyFrom(trusted: TrustedState, height: number, served?: LightBlock): Promise<VerifiedHeader> {
    const block = served ?? (await this.lightBlock(height));
    const result = verifyHeader(this.crypto, trusted, block, Date.now(), this.trust());
    if (result.ok) {
      this.headers.set(height, result.value);
      return result.value;
    }
    if (result.code !== ErrorCode.VALSET_CHANGED) throw new HeaderRefused(result.code, `header ${height}: ${errorName(result.code)}: ${result.reason}`);
    // The validator set changed between: walk adjacent headers, each proven by the set before it.
    let state = trusted;
    let last: VerifiedHeader | undefined;
    for (let h = trusted.height + 1; h <= height; h++) {
      const step = verifyHeader(this.crypto, state, await this.lightBlock(h), Date.now(), this.trust());
      if (!step.ok) throw new HeaderRefused(step.code, `header ${h}: ${errorName(step.code)}: ${step.reason}`);
      state = applyHeader(state, step.value);
      this.headers.set(h, step.value);
      last = step.value;
    }
    return last!;
  }

  /** Checks transaction `idHex` end to end from what the gateway serves, trusting none of its claims. */
  async verifyTx(idHex: string): Promise<TxVerdict> {
    const steps: string[] = [];
    try {
      const response = await fetch(`/tx/${idHex}/proof`);
      if (!response.ok) throw new Error(`the gateway has no proof for it (HTTP ${response.status})`);
      const served = (await response.json()) as { height: number; wire: string; proof: string };
      const wire = hexToBytes(served.wire);
      const id = txId(this.crypto, wire);
      if (bytesToHex(id) !== idHex.toLowerCase()) throw new Error(`its bytes hash to ${bytesToHex(id)}, not to the id asked for`);
      decodeTx(wire);
      steps.push(`its ${wire.length} bytes decode strictly and hash to its id`);
      const header = await this.headerAt(served.height);
      steps.push(`header ${served.height} verified from ${this.sourceOf(served.height)}: chain, height, time and a commit signed by ${header.validators.threshold} of ${header.validators.keys.length} validator(s)`);
      const proof = decodeProof(hexToBytes(served.proof));
      const included = verifyTxInclusion(this.crypto, header.header, id, proof);
      if (!included.ok) throw new Error(`inclusion proof: ${errorName(included.code)}: ${included.reason}`);
      steps.push(`its inclusion proof (leaf ${proof.index} of ${proof.size}, ${proof.path.length} hash${proof.path.length === 1 ? '' : 'es'}) rebuilds the header's txRoot`);
      return { ok: true, summary: `verified in your browser: in block ${served.height}`, steps };
    } catch (error) {
      return { ok: false, summary: `NOT verified: ${(error as Error).message}`, steps };
    }
  }
}
