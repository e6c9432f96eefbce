// The deployed-contracts contract (core layer, contracts): JavaScript contracts deployed by a
// transaction and called by transactions (docs/contracts.md, docs/protocol.md §5.6.2). The core
// cannot run JavaScript in a sandbox, so the host runs it before admission (the gateway's XS
// sandbox, tools/gateway/contract-sandbox/) and passes the outcome as HostEffects; this contract
// checks everything else, and applies the outcome. INVOKE body [3, method, args]:
//
//   DEPLOY (0)  args [chunk bstr, …] (1..16 chunks of 1..256 bytes: TX_LIMITS bound a byte string
//               to 256 bytes): the source, UTF-8 JavaScript, is their concatenation, so the
//               transaction's 4 096 bytes bound it (about 3 900 bytes of source). By an OPERATOR
//               or VALIDATOR account. Applied: the source is stored under this contract's namespace (0x0003), key its
//               code hash SHA-256(source) (32 bytes).
//   CALL (1)    args [codeHash bstr(32), method bstr (UTF-8 name), args bstr (canonical JSON,
//               UTF-8)]. By any account. Applied: the sandbox's writes, under the namespace that
//               is the code hash itself (32 bytes), keys UTF-8, values canonical JSON bytes.
//
// Admission, after the checks every transaction passes, in this order:
//
//   BAD_BODY          args of the wrong shape (count, types, a code hash not 32 bytes, empty source or name)
//   NOT_PERMITTED     DEPLOY by a device or gateway account
//   CONTRACT_EXISTS   DEPLOY of a source whose hash is deployed already
//   UNKNOWN_CONTRACT  CALL of a hash not deployed
//   INTERNAL          no host effects given (a host without the sandbox cannot admit these)
//   720–727           the host's run failed (gas, memory, threw, forbidden, bad contract, unknown
//                     method, bad value): the transaction is refused with that code, nothing changes

import { type Result, fail, ok } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { ContractId, type ContractCall, type HostEffects, defineContract } from '../contract.js';
import { AccountRole } from '../ledger-state.js';

export const DeployedMethod = Object.freeze({ DEPLOY: 0, CALL: 1 } as const);
export type DeployedMethod = (typeof DeployedMethod)[keyof typeof DeployedMethod];

export const CODE_HASH_BYTES = 32;
/** A method or query name's UTF-8 bytes, at most (the sandbox's own bound). */
export const MAX_METHOD_NAME_BYTES = 128;

/** A DEPLOYED INVOKE's arguments, checked for shape. */
export type DeployedCall =
  | { readonly method: typeof DeployedMethod.DEPLOY; readonly source: Uint8Array }
  | { readonly method: typeof DeployedMethod.CALL; readonly codeHash: Uint8Array; readonly name: Uint8Array; readonly args: Uint8Array };

/** The shape of a DEPLOYED INVOKE body's method and args; BAD_BODY otherwise. */
export function parseDeployedCall(body: unknown): Result<DeployedCall> {
  const [, method, args] = body as readonly unknown[];
  const a = args as readonly unknown[];
  const bytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
  if (method === DeployedMethod.DEPLOY) {
    if (a.length === 0 || !a.every((chunk) => bytes(chunk) && chunk.length > 0)) return fail(ErrorCode.BAD_BODY, 'DEPLOY args: [chunk bstr, …], 1..16 non-empty chunks of the source');
    return ok({ method, source: concat(a as readonly Uint8Array[]) });
  }
  if (method === DeployedMethod.CALL) {
    const [hash, name, json] = a;
    if (a.length !== 3 || !bytes(hash) || hash.length !== CODE_HASH_BYTES || !bytes(name) || name.length === 0 || name.length > MAX_METHOD_NAME_BYTES || !bytes(json)) {
      return fail(ErrorCode.BAD_BODY, `CALL args: [codeHash bstr(32), method bstr(1..${MAX_METHOD_NAME_BYTES}), args bstr]`);
    }
    return ok({ method, codeHash: hash, name, args: json });
  }
  return fail(ErrorCode.NOT_PERMITTED, 'deployed: no such method');
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Whether `tx`'s INVOKE body addresses this contract (the host then computes effects for it). */
export function isDeployedInvoke(body: unknown): boolean {
  return Array.isArray(body) && body[0] === ContractId.DEPLOYED;
}

/** The code hash of a source: SHA-256 of its bytes. */
export function codeHashOf(call: Pick<ContractCall, 'crypto'>, source: Uint8Array): Uint8Array {
  return call.crypto.sha256(source);
}

/** Everything but the host's outcome (the first five rows of the header comment): what a host checks before running the sandbox. */
export function precheckDeployed(call: ContractCall): Result<DeployedCall> {
  const parsed = parseDeployedCall(call.tx.body);
  if (!parsed.ok) return parsed;
  const c = parsed.value;
  if (c.method === DeployedMethod.DEPLOY) {
    const role = call.sender?.role;
    if (role !== AccountRole.OPERATOR && role !== AccountRole.VALIDATOR) return fail(ErrorCode.NOT_PERMITTED, 'only the operator or a validator may deploy');
    if (call.store.get(codeHashOf(call, c.source)) !== undefined) return fail(ErrorCode.CONTRACT_EXISTS, 'a contract with this code hash is deployed already');
  } else if (call.store.get(c.codeHash) === undefined) {
    return fail(ErrorCode.UNKNOWN_CONTRACT, 'no contract deployed under this code hash');
  }
  return parsed;
}

function outcome(effects: HostEffects | undefined): Result<undefined> {
  if (!effects) return fail(ErrorCode.INTERNAL, 'a deployed contract needs its host to run it (no effects given)');
  if ('error' in effects) return fail(effects.error.code as ErrorCode, effects.error.message);
  return ok(undefined);
}

export const deployed = defineContract({
  id: ContractId.DEPLOYED,
  name: 'deployed',
  kinds: Object.freeze([]),
  methods: Object.freeze({ [DeployedMethod.DEPLOY]: 'deploy', [DeployedMethod.CALL]: 'call' }),
  queries: Object.freeze({}),
  admit(call) {
    const pre = precheckDeployed(call);
    return pre.ok ? outcome(call.effects) : pre;
  },
  apply(call) {
    const c = parseDeployedCall(call.tx.body);
    if (!c.ok) throw new Error(`applyTx: DEPLOYED not admitted on this state (${c.reason})`);
    if (c.value.method === DeployedMethod.DEPLOY) {
      call.store.set(codeHashOf(call, c.value.source), c.value.source);
      return;
    }
    const effects = call.effects;
    if (!effects || 'error' in effects) throw new Error('applyTx: a CALL needs the effects its host computed at admission');
    for (const [key, value] of effects.writes) call.state.putEntry(c.value.codeHash, key, value);
  },
  // Deployed contracts answer their queries in the host's sandbox (docs/contracts.md); their
  // entries are proven like any other leaf (LedgerState.prove, namespace = code hash).
  query() {
    return fail(ErrorCode.BAD_REQUEST, 'deployed contracts are queried through the host (GET /contracts/<hash>/query/<name>)');
  },
});
