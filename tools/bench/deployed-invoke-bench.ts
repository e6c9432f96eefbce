// Invoke throughput of a deployed contract through the chain's admission and apply (tools layer,
// Node only): signed CALL transactions of a token transfer, each run in the XS sandbox and admitted
// (DeployedHost.admit: admitTx, sandbox, admitTx with its effects) and applied to the working state,
// as the gateway's ingest does; then applied again, with the effects carried, to the committed
// state in blocks (buildHeader), as the block producer does, with the state root per block.
// Signing is done beforehand (a device's work, not the gateway's); signature checks are not
// counted (the gateway's verify workers do them, the same for any transaction).
//
// `benchDeployedInvoke` is exported for a combined run beside a built-in contract's figure;
//   npx tsx tools/bench/deployed-invoke-bench.ts [invokes]   prints it alone.

import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import {
  type CryptoProvider, type Genesis, type KeyPair, LedgerState, Permission, type SignedTx, TxKind, admitTx, applyTx, buildHeader, bytesToHex,
  chainIdOf, enrollBody, genesisHash, keyId, keyPairFromPrivate, makeValidatorSet, signTx, txId, encodeTx,
} from '../../src/index.js';
import { ContractSandbox } from '../gateway/contract-sandbox/contract-sandbox.js';
import { contractHash } from '../gateway/contract-sandbox/contract-hash.js';
import { DeployedHost, callBody, deployBody } from '../gateway/contract-sandbox/deployed-host.js';
import type { HostEffects } from '../../src/index.js';

export const BENCH_TRANSFER = `({
  methods: {
    transfer(ctx, args) {
      const from = ctx.get('bal/' + ctx.sender) ?? 1000000;
      if (args.amount > from) throw new Error('insufficient');
      const to = ctx.get('bal/' + args.to) ?? 0;
      ctx.set('bal/' + ctx.sender, from - args.amount);
      ctx.set('bal/' + args.to, to + args.amount);
      return from - args.amount;
    },
  },
  queries: { balance(ctx, args) { return ctx.get('bal/' + args.who) ?? 0; } },
})`;

export interface DeployedInvokeOptions {
  /** CALL transactions measured (default 2000). */
  readonly invokes?: number;
  /** Sending accounts, round robin (default 16). */
  readonly accounts?: number;
  /** Transactions per block (default 256). */
  readonly blockSize?: number;
  readonly crypto?: CryptoProvider;
}

export interface DeployedInvokeFigures {
  readonly invokes: number;
  /** Admission (sandbox + admitTx twice) and apply to the working state, per second. */
  readonly admitPerSecond: number;
  /** Applying the admitted calls in blocks (effects carried, state root per block), per second. */
  readonly blockApplyPerSecond: number;
  /** Both, end to end: what one gateway thread sustains, per second. */
  readonly perSecond: number;
  readonly meanAdmitMicros: number;
  /** Mean sandbox gas per call. */
  readonly meanGas: number;
  /** The committed state root after the last block (hex): equal on every run of the same input. */
  readonly stateRoot: string;
}

export async function benchDeployedInvoke(options: DeployedInvokeOptions = {}): Promise<DeployedInvokeFigures> {
  const crypto = options.crypto ?? createNativeCrypto();
  const invokes = options.invokes ?? 2000;
  const blockSize = options.blockSize ?? 256;
  const key = (label: string) => keyPairFromPrivate(crypto, crypto.sha256(new TextEncoder().encode(`botpeer bench ${label}`)));
  const operator = key('operator');
  const validator = key('validator');
  const genesis: Genesis = { name: new TextEncoder().encode('bench'), time: 1_767_225_600_000, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [validator.publicKey]), operatorKey: operator.publicKey };
  const chainId = chainIdOf(crypto, genesis);
  const time = Math.floor(Date.now() / 1000);
  const sign = (signer: KeyPair, seq: number, kind: TxKind, body: unknown): { tx: SignedTx; id: Uint8Array } => {
    const tx = signTx(crypto, chainId, { kind, sender: keyId(crypto, signer.publicKey), seq, time, body: body as never }, signer.privateKey);
    return { tx, id: txId(crypto, encodeTx(tx)) };
  };
  const devices = Array.from({ length: options.accounts ?? 16 }, (_, i) => key(`device ${i}`));
  const ids = devices.map((d) => bytesToHex(keyId(crypto, d.publicKey)));
  const host = new DeployedHost(crypto, new ContractSandbox());
  try {
    // Setup (not measured): enrolments and the deploy, in block 1.
    const committed = LedgerState.fromGenesis(crypto, genesis);
    const setup: { tx: SignedTx; id: Uint8Array; effects?: HostEffects }[] = devices.map((d, i) => sign(operator, i + 1, TxKind.ENROLL, enrollBody(d.publicKey)));
    const working = committed.clone();
    for (const { tx } of setup) {
      if (!admitTx(crypto, working, tx, time).ok) throw new Error('bench: enrolment refused');
      applyTx(crypto, working, tx, 0);
    }
    const deploy = sign(operator, devices.length + 1, TxKind.INVOKE, deployBody(BENCH_TRANSFER));
    const deployed = await host.admit(working, deploy.tx, time, 1, deploy.id);
    if (!deployed.verdict.ok) throw new Error(`bench: deploy refused: ${deployed.verdict.reason}`);
    applyTx(crypto, working, deploy.tx, 0, deployed.effects);
    setup.push({ ...deploy, effects: deployed.effects! });
    let prevHash = genesisHash(crypto, genesis);
    buildHeader(crypto, { chainId, height: 1, time: genesis.time + 1, prevHash }, committed, setup);
    const hash = contractHash(BENCH_TRANSFER);

    const calls = Array.from({ length: invokes }, (_, i) => {
      const n = devices.length;
      return sign(devices[i % n]!, 1 + Math.floor(i / n), TxKind.INVOKE, callBody(hash, 'transfer', { to: ids[(i + 1) % n], amount: 1 }));
    });
    // Warm the contract's worker (its first start is not a call's cost).
    await host.query(working, hash, 'balance', { who: ids[0] }, 1);

    const admitted: { tx: SignedTx; id: Uint8Array; effects?: HostEffects }[] = [];
    let gas = 0;
    let started = performance.now();
    for (const { tx, id } of calls) {
      const { verdict, effects } = await host.admit(working, tx, time, 2, id);
      if (!verdict.ok) throw new Error(`bench: call refused: ${verdict.reason}`);
      applyTx(crypto, working, tx, 0, effects);
      admitted.push({ tx, id, ...(effects ? { effects } : {}) });
    }
    const admitSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let height = 1;
    for (let at = 0; at < admitted.length; at += blockSize) {
      height++;
      buildHeader(crypto, { chainId, height, time: genesis.time + height, prevHash }, committed, admitted.slice(at, at + blockSize));
      prevHash = crypto.sha256(Uint8Array.of(height)); // any previous hash: header hashing is not what this measures
    }
    const applySeconds = (performance.now() - started) / 1000;
    // gas is not on the effects: one more sandbox call per account says the mean (all calls cost alike)
    const probe = await host.sandbox.invoke(hash, 'transfer', { to: ids[1], amount: 1 }, { sender: ids[0]!, height, txId: '' }, { get: () => undefined });
    if (probe.ok) gas = probe.gasUsed;
    return {
      invokes,
      admitPerSecond: invokes / admitSeconds,
      blockApplyPerSecond: invokes / applySeconds,
      perSecond: invokes / (admitSeconds + applySeconds),
      meanAdmitMicros: (admitSeconds * 1e6) / invokes,
      meanGas: gas,
      stateRoot: bytesToHex(committed.root(crypto)),
    };
  } finally {
    await host.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchDeployedInvoke({ invokes: Number(process.argv[2] ?? 2000) });
  console.log(`deployed transfer, ${figures.invokes} calls through admission (sandbox + admitTx) and block apply:`);
  console.log(`  admission ${figures.admitPerSecond.toFixed(0)}/s (${figures.meanAdmitMicros.toFixed(0)} µs each), block apply ${figures.blockApplyPerSecond.toFixed(0)}/s, end to end ${figures.perSecond.toFixed(0)}/s`);
  console.log(`  ~${figures.meanGas} gas per call; state root ${figures.stateRoot}`);
}
