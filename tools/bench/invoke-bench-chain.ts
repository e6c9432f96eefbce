// The chain both invoke benchmarks run on (tools layer, Node only): a private genesis, an operator,
// devices enrolled in block 1, transactions signed beforehand (a device's work, not the gateway's),
// and the two halves the gateway runs per transaction: admission to the working state (ingest) and
// application to the committed state in blocks with a state root each (the block producer).

import {
  type CborValue, type CryptoProvider, type Genesis, type HostEffects, type KeyPair, LedgerState, Permission, type SignedTx, TxKind, admitTx,
  applyTx, buildHeader, bytesToHex, chainIdOf, encodeTx, enrollBody, genesisHash, keyId, keyPairFromPrivate, makeValidatorSet, signTx, txId,
} from '../../src/index.js';

export interface BenchTx {
  readonly tx: SignedTx;
  readonly id: Uint8Array;
  readonly effects?: HostEffects;
}

export interface InvokeFigures {
  readonly invokes: number;
  /** Admission and apply to the working state, per second. */
  readonly admitPerSecond: number;
  /** Applying the admitted calls in blocks (state root per block), per second. */
  readonly blockApplyPerSecond: number;
  /** Both, end to end: what one gateway thread sustains, per second. */
  readonly perSecond: number;
  readonly meanAdmitMicros: number;
  /** The committed state root after the last block (hex): equal on every run of the same input. */
  readonly stateRoot: string;
}

export class InvokeBenchChain {
  readonly genesis: Genesis;
  readonly chainId: Uint8Array;
  readonly time = Math.floor(Date.now() / 1000);
  readonly operator: KeyPair;
  readonly devices: KeyPair[];
  readonly ids: Uint8Array[];
  readonly committed: LedgerState;
  readonly working: LedgerState;
  private operatorSeq = 0;
  private height = 1;
  private prevHash: Uint8Array;

  constructor(
    readonly crypto: CryptoProvider,
    accounts: number,
  ) {
    const key = (label: string) => keyPairFromPrivate(crypto, crypto.sha256(new TextEncoder().encode(`botpeer bench ${label}`)));
    this.operator = key('operator');
    const validator = key('validator');
    this.genesis = { name: new TextEncoder().encode('bench'), time: 1_767_225_600_000, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [validator.publicKey]), operatorKey: this.operator.publicKey };
    this.chainId = chainIdOf(crypto, this.genesis);
    this.prevHash = genesisHash(crypto, this.genesis);
    this.devices = Array.from({ length: accounts }, (_, i) => key(`device ${i}`));
    this.ids = this.devices.map((d) => keyId(crypto, d.publicKey));
    this.committed = LedgerState.fromGenesis(crypto, this.genesis);
    this.working = this.committed.clone();
  }

  sign(signer: KeyPair, seq: number, kind: TxKind, body: CborValue): BenchTx {
    const tx = signTx(this.crypto, this.chainId, { kind, sender: keyId(this.crypto, signer.publicKey), seq, time: this.time, body }, signer.privateKey);
    return { tx, id: txId(this.crypto, encodeTx(tx)) };
  }

  /** The operator's next transaction. */
  byOperator(kind: TxKind, body: CborValue): BenchTx {
    return this.sign(this.operator, ++this.operatorSeq, kind, body);
  }

  /** Admits a transaction to the working state and applies it there, as ingest does; throws if refused. */
  admit(entry: BenchTx): BenchTx {
    const verdict = admitTx(this.crypto, this.working, entry.tx, this.time, this.height + 1, entry.effects);
    if (!verdict.ok) throw new Error(`bench: refused: ${verdict.reason}`);
    return this.applyAdmitted(entry);
  }

  /** Applies a transaction admitted elsewhere (a deployed call, by DeployedHost.admit) to the working state. */
  applyAdmitted(entry: BenchTx): BenchTx {
    applyTx(this.crypto, this.working, entry.tx, 0, entry.effects);
    return entry;
  }

  /** The enrolment of every device, admitted. */
  enrolDevices(): BenchTx[] {
    return this.devices.map((d) => this.admit(this.byOperator(TxKind.ENROLL, enrollBody(d.publicKey))));
  }

  /** Applies admitted transactions to the committed state in blocks of `blockSize`, a header (and root) each; seconds taken. */
  applyInBlocks(entries: readonly BenchTx[], blockSize: number): number {
    const started = performance.now();
    for (let at = 0; at < entries.length; at += blockSize) {
      this.height++;
      buildHeader(this.crypto, { chainId: this.chainId, height: this.height, time: this.genesis.time + this.height, prevHash: this.prevHash }, this.committed, entries.slice(at, at + blockSize));
      this.prevHash = this.crypto.sha256(Uint8Array.of(this.height & 0xff)); // any previous hash: header hashing is not what this measures
    }
    return (performance.now() - started) / 1000;
  }

  /** The figures of `invokes` calls admitted in `admitSeconds` and applied in `applySeconds`. */
  figures(invokes: number, admitSeconds: number, applySeconds: number): InvokeFigures {
    return {
      invokes,
      admitPerSecond: invokes / admitSeconds,
      blockApplyPerSecond: invokes / applySeconds,
      perSecond: invokes / (admitSeconds + applySeconds),
      meanAdmitMicros: (admitSeconds * 1e6) / invokes,
      stateRoot: bytesToHex(this.committed.root(this.crypto)),
    };
  }
}
