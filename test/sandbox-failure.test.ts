// A sandbox that fails or does not answer: the host gives a typed INTERNAL outcome marked
// hostFailure within its deadline (so ingest's hold on the block producer ends), and a consortium
// member's replay (member-executor.ts) does not refuse the transaction on it (the other members
// admit it, and this member's root would part from theirs without a word): it tries once more,
// then halts with a typed error and admits nothing after.

import test from 'ava';
import {
  BotError, ContractId, ErrorCode, LedgerState, contractNamespace, TxKind, encodeTx, genesisHash, hexToBytes, keyId, signTx, txId, validatorSetHash,
} from '../src/index.js';
import type { ContractSandbox } from '../tools/gateway/contract-sandbox/contract-sandbox.js';
import { contractHash } from '../tools/gateway/contract-sandbox/contract-hash.js';
import { DeployedHost, type HostAdmission, callBody } from '../tools/gateway/contract-sandbox/deployed-host.js';
import { MemberExecutor, type Verdict } from '../tools/gateway/consortium/member-executor.js';
import type { ChainMessage } from '../tools/gateway/consortium/ordering-port.js';
import { TOKEN } from './support/deployed-fixture.js';
import { crypto, makeChainDir } from './support/gateway-fixture.js';

const HOST_FAILURE: HostAdmission = {
  verdict: { ok: false, code: ErrorCode.INTERNAL, reason: 'sandbox: worker exited' },
  effects: { error: { code: ErrorCode.INTERNAL, message: 'sandbox: worker exited' } },
  hostFailure: true,
};

test('a sandbox that fails twice on a transaction halts the replay with INTERNAL instead of refusing it', async (t) => {
  const { chain, remove } = makeChainDir('executor-halt');
  t.teardown(remove);
  const operator = chain.operatorKey!;
  const state = LedgerState.fromGenesis(crypto, chain.genesis);
  const sender = keyId(crypto, operator.publicKey);
  const time = chain.genesis.time + 1;
  const wires = [1, 2].map((seq) => encodeTx(signTx(crypto, chain.chainId, { kind: TxKind.INVOKE, sender, seq, time, body: callBody('11'.repeat(32), 'mint', null) as never }, operator.privateKey)));

  let runs = 0;
  const failing = { admit: async (): Promise<HostAdmission> => (runs++, HOST_FAILURE) } as unknown as DeployedHost;
  const verdicts: Verdict[] = [];
  const halts: BotError[] = [];
  const executor = new MemberExecutor(
    {
      crypto, chainId: chain.chainId, maxBlockTxs: 8, deployed: failing,
      check: async (jobs) => {
        const ids = new Uint8Array(32 * jobs.length);
        jobs.forEach((job, i) => ids.set(txId(crypto, job.wire), 32 * i));
        return { codes: new Uint16Array(jobs.length), ids };
      },
      onVerdicts: (v) => verdicts.push(...v),
      onExecuted: () => t.fail('no block is executed'),
      onHalt: (error) => halts.push(error),
    },
    { state, latest: { height: 0, hash: genesisHash(crypto, chain.genesis), time: chain.genesis.time }, latestValidatorsHash: validatorSetHash(crypto, chain.genesis.validators) },
  );
  const message = (seq: number, data: Uint8Array): ChainMessage => ({ seq, timestampMs: (time + 1) * 1000, kind: 'tx', data, pending: 0 });
  await executor.handle([message(1, wires[0]!), message(2, wires[1]!)]);
  await executor.drain();
  await executor.handle([message(3, wires[1]!)]);
  await executor.drain();

  t.is(runs, 2, 'tried once more, then stopped: the second transaction never reached the sandbox');
  t.is(halts.length, 1);
  t.true(halts[0] instanceof BotError);
  t.is(halts[0]!.code, ErrorCode.INTERNAL);
  t.deepEqual(verdicts, [], 'no verdict is given for the transaction this member could not run');
  t.is(executor.poolSize, 0);
});


test('a sandbox that never answers is a host failure (INTERNAL) once the deadline passes, and its worker is stopped', async (t) => {
  const { chain, remove } = makeChainDir('host-deadline');
  t.teardown(remove);
  const operator = chain.operatorKey!;
  const state = LedgerState.fromGenesis(crypto, chain.genesis);
  const hash = contractHash(TOKEN);
  const stops: string[] = [];
  state.putEntry(contractNamespace(ContractId.DEPLOYED), hexToBytes(hash), new TextEncoder().encode(TOKEN));
  const stuck = {
    has: () => true,
    deploy: async () => ({ hash, methods: ['mint'], queries: [] }),
    invoke: () => new Promise(() => {}),
    stop: async (stopped: string) => void stops.push(stopped),
    close: async () => {},
  } as unknown as ContractSandbox;
  const host = new DeployedHost(crypto, stuck, 50);
  const tx = signTx(crypto, chain.chainId, { kind: TxKind.INVOKE, sender: keyId(crypto, operator.publicKey), seq: 1, time: chain.genesis.time, body: callBody(hash, 'mint', { to: 'a', amount: 1 }) as never }, operator.privateKey);
  const outcome = await host.admit(state, tx, chain.genesis.time, 1, new Uint8Array(32));
  t.false(outcome.verdict.ok);
  t.is(outcome.verdict.ok ? undefined : outcome.verdict.code, ErrorCode.INTERNAL);
  t.true(outcome.hostFailure);
  t.deepEqual(stops, [hash], "the stuck worker is stopped: the contract's next call does not wait behind it");
});
