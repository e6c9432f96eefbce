// Vectors of deployed contracts through the chain (tools layer, Node: the sandbox runs here),
// docs/protocol.md §5.6.2: test/vectors/deployed.json. A small ledger: the operator deploys a
// counter in two chunks, a device calls it, attacks are refused. Each step is a signed INVOKE with
// the host effects the real XS sandbox computed for it on the state before it (writes, or an error),
// the admission code the core must give with those effects, and, per height, the state root. A
// verifier on any engine replays the steps with the effects as given (the core never runs JS).

import { bytesToHex as hex } from '../../src/codec/bytes.js';
import { type Genesis, Permission, chainIdOf, encodeGenesis } from '../../src/chain/genesis.js';
import { makeValidatorSet } from '../../src/chain/validator-set.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import type { HostEffects } from '../../src/contracts/contract.js';
import { LedgerState } from '../../src/contracts/ledger-state.js';
import { admitTx, applyTx } from '../../src/contracts/system-contracts.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { enrollBody } from '../../src/tx/bodies.js';
import { keyId, keyPairFromPrivate } from '../../src/tx/identity.js';
import { TxKind } from '../../src/tx/kinds.js';
import { encodeTx, signTx, txId } from '../../src/tx/tx.js';
import { ContractSandbox } from '../gateway/contract-sandbox/contract-sandbox.js';
import { DeployedHost, callBody, deployBody } from '../gateway/contract-sandbox/deployed-host.js';

const COUNTER = `({
  methods: {
    inc(ctx, a) { const n = (ctx.get('count') ?? 0) + (a ?? 1); ctx.set('count', n); ctx.set('by/' + ctx.sender, ctx.height); return n; },
    reset(ctx) { ctx.delete('count'); return null; },
    loop() { for (;;) {} },
    boom() { throw new Error('boom'); },
    now() { return Date.now(); },
  },
  queries: { get(ctx) { return ctx.get('count') ?? 0; } },
})`;

type EffectsJson = { writes: [string, string | null][] } | { error: { code: number; message: string } } | null;

function effectsToJson(effects: HostEffects | undefined): EffectsJson {
  if (!effects) return null;
  if ('error' in effects) return { error: { code: effects.error.code, message: effects.error.message } };
  return { writes: effects.writes.map(([k, v]) => [hex(k), v === undefined ? null : hex(v)]) };
}

export async function deployedVectors(crypto: CryptoProvider) {
  const key = (label: string) => keyPairFromPrivate(crypto, crypto.sha256(new TextEncoder().encode(`botpeer test key deployed ${label}`)));
  const operator = key('operator');
  const validator = key('validator');
  const device = key('device');
  const genesis: Genesis = { name: new TextEncoder().encode('deployed'), time: 1_767_225_600_000, permission: Permission.PRIVATE, validators: makeValidatorSet(1, [validator.publicKey]), operatorKey: operator.publicKey };
  const chainId = chainIdOf(crypto, genesis);
  const now = 1_767_226_200;
  const state = LedgerState.fromGenesis(crypto, genesis);
  const host = new DeployedHost(crypto, new ContractSandbox());
  const seqs = new Map<string, number>();
  const steps: object[] = [];
  const roots: { height: number; stateRoot: string }[] = [{ height: 0, stateRoot: hex(state.root(crypto)) }];
  const counterHash = hex(crypto.sha256(new TextEncoder().encode(COUNTER)));
  try {
    const step = async (height: number, what: string, signer: typeof operator, kind: TxKind, body: unknown, expect: number) => {
      const sender = keyId(crypto, signer.publicKey);
      const seq = (seqs.get(hex(sender)) ?? 0) + 1;
      const tx = signTx(crypto, chainId, { kind, sender, seq, time: now - 60, body: body as never }, signer.privateKey);
      const wire = encodeTx(tx);
      let effects: HostEffects | undefined;
      let verdict;
      if (DeployedHost.needs(tx)) ({ verdict, effects } = await host.admit(state, tx, now, height, txId(crypto, wire)));
      else verdict = admitTx(crypto, state, tx, now, height);
      const code = verdict.ok ? ErrorCode.OK : verdict.code;
      if (code !== expect) throw new Error(`deployed step ${what}: ${code}, want ${expect}`);
      if (verdict.ok) {
        applyTx(crypto, state, tx, height, effects);
        seqs.set(hex(sender), seq);
      }
      steps.push({ height, what, wire: hex(wire), effects: effectsToJson(effects), expect: code });
    };
    const close = (height: number) => roots.push({ height, stateRoot: hex(state.root(crypto)) });
    const [, , chunks] = deployBody(COUNTER);
    await step(1, 'the operator enrols a device', operator, TxKind.ENROLL, enrollBody(device.publicKey), ErrorCode.OK);
    await step(1, 'the device may not deploy', device, TxKind.INVOKE, deployBody(COUNTER), ErrorCode.NOT_PERMITTED);
    await step(1, 'a call before the deploy', device, TxKind.INVOKE, callBody(counterHash, 'inc', 1), ErrorCode.UNKNOWN_CONTRACT);
    await step(1, `the operator deploys the counter (${chunks.length} chunks)`, operator, TxKind.INVOKE, deployBody(COUNTER), ErrorCode.OK);
    await step(1, 'a source that is not a contract', operator, TxKind.INVOKE, deployBody('({ methods: { f: 1 } })'), ErrorCode.BAD_CONTRACT);
    close(1);
    await step(2, 'the validator deploys the same source again', validator, TxKind.INVOKE, deployBody(COUNTER), ErrorCode.CONTRACT_EXISTS);
    await step(2, 'the device calls inc(5)', device, TxKind.INVOKE, callBody(counterHash, 'inc', 5), ErrorCode.OK);
    await step(2, 'the operator calls inc()', operator, TxKind.INVOKE, callBody(counterHash, 'inc', null), ErrorCode.OK);
    await step(2, 'an infinite loop', device, TxKind.INVOKE, callBody(counterHash, 'loop', null), ErrorCode.CONTRACT_OUT_OF_GAS);
    await step(2, 'a throw', device, TxKind.INVOKE, callBody(counterHash, 'boom', null), ErrorCode.CONTRACT_THREW);
    await step(2, 'the clock', device, TxKind.INVOKE, callBody(counterHash, 'now', null), ErrorCode.CONTRACT_FORBIDDEN);
    await step(2, 'no such method', device, TxKind.INVOKE, callBody(counterHash, 'nope', null), ErrorCode.UNKNOWN_METHOD);
    close(2);
    await step(3, 'the device calls reset (a delete)', device, TxKind.INVOKE, callBody(counterHash, 'reset', null), ErrorCode.OK);
    close(3);
  } finally {
    await host.close();
  }
  return {
    genesis: hex(encodeGenesis(genesis)),
    now,
    source: COUNTER,
    codeHash: counterHash,
    steps,
    roots,
  };
}
