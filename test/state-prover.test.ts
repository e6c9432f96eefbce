// StateProver (src/peer/state-prover.ts) against a fake peer context: a response that arrives
// within the request itself (a session that delivers synchronously) still settles the proof and
// frees its slot; a request that could not be sent holds no slot.

import test from 'ava';
import {
  ContractId, ErrorCode, LedgerState, contractNamespace, createNobleCrypto, encodeStateAnswer,
} from '../src/index.js';
import type { Header } from '../src/chain/header.js';
import type { Response } from '../src/mqtt/messages.js';
import type { PeerContext } from '../src/peer/peer-context.js';
import { MAX_STATE_PROOFS, StateProver } from '../src/peer/state-prover.js';

const crypto = createNobleCrypto();
const namespace = contractNamespace(ContractId.SUPPLY_CHAIN);
const key = Uint8Array.of(1, 2, 3);
const state = LedgerState.fromEntries([], [], undefined, [{ namespace, key, value: Uint8Array.of(9) }]);
const proved = state.prove(crypto, namespace, key);
const header = { height: 5, stateRoot: proved.root } as unknown as Header;
const answer: Response = { id: 1, code: ErrorCode.OK, payloads: encodeStateAnswer({ height: 5, value: proved.value, proof: proved.proof }) };

function fakeContext(respond: ((onResponse: (r: Response | undefined) => void) => boolean)): PeerContext {
  return {
    crypto,
    clock: { now: () => 0 },
    config: { requestTimeoutMs: 1000 },
    report: () => {},
    request: (_method: number, _params: unknown, onResponse: (r: Response | undefined) => void) => respond(onResponse),
  } as unknown as PeerContext;
}

const headers = { trustedHeight: 5, headerAt: (h: number) => (h === 5 ? header : undefined), fetchPast: () => {}, fetchNewer: () => {} };

test('a response delivered within the request settles the proof and frees its slot', async (t) => {
  const prover = new StateProver(fakeContext((onResponse) => {
    onResponse(answer);
    return true;
  }), headers);
  let settled = false;
  const fact = prover.prove(namespace, key).finally(() => { settled = true; });
  await Promise.resolve();
  t.true(settled, 'settled without waiting for a timeout');
  t.is(prover.open, 0);
  t.deepEqual((await fact).value, Uint8Array.of(9));
});

test('a request that could not be sent is refused with NO_ANSWER and holds no slot', async (t) => {
  const prover = new StateProver(fakeContext(() => false), headers);
  for (let i = 0; i <= MAX_STATE_PROOFS; i++) {
    const error = await t.throwsAsync(prover.prove(namespace, key));
    t.is((error as { code?: number }).code, ErrorCode.NO_ANSWER);
  }
  t.is(prover.open, 0);
});
