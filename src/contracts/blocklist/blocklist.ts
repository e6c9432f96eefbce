// The blocklist contract (core layer, contracts), after the ITU-T draft's DDoS use case: a
// validator gateway reports a hijacked device (BLOCK_REPORT), every gateway then refuses it,
// and a BLOCK_LIFT by the operator or a validator lifts it. Admission, after the checks every
// transaction passes: NOT_PERMITTED for a report of no device or of one already blocked, and
// for a lift of a device not blocked. Its entries are kept typed by LedgerState (admission asks
// twice per transaction) and are leaves under this contract's namespace.

import { fail, ok } from '../../errors/bot-error.js';
import { ErrorCode } from '../../errors/error-codes.js';
import { ID_BYTES } from '../../tx/identity.js';
import { TxKind } from '../../tx/kinds.js';
import { ContractId, defineContract } from '../contract.js';
import { blockEntryLeaf } from '../ledger-state.js';
import { isDevice } from '../device-registry/device-registry.js';

export const BlocklistQuery = Object.freeze({ ENTRY: 0 } as const);

export const blocklist = defineContract({
  id: ContractId.BLOCKLIST,
  name: 'blocklist',
  kinds: Object.freeze([TxKind.BLOCK_REPORT, TxKind.BLOCK_LIFT]),
  methods: Object.freeze({}),
  queries: Object.freeze({ [BlocklistQuery.ENTRY]: 'entry' }),
  admit({ state, tx }) {
    const device = (tx.body as readonly unknown[])[0] as Uint8Array;
    if (tx.kind === TxKind.BLOCK_REPORT) {
      if (!isDevice(state.account(device))) return fail(ErrorCode.NOT_PERMITTED, 'no device with that id');
      if (state.blockEntry(device)) return fail(ErrorCode.NOT_PERMITTED, 'already blocked');
      return ok(undefined);
    }
    if (!state.blockEntry(device)) return fail(ErrorCode.NOT_PERMITTED, 'not blocked');
    return ok(undefined);
  },
  apply({ state, tx, height }) {
    const body = tx.body as readonly unknown[];
    if (tx.kind === TxKind.BLOCK_REPORT) state.block({ id: body[0] as Uint8Array, reason: body[1] as number, reporter: tx.sender, height });
    else state.unblock(body[0] as Uint8Array);
  },
  query({ state, method, args }) {
    const id = args[0];
    if (method !== BlocklistQuery.ENTRY || args.length !== 1 || !(id instanceof Uint8Array) || id.length !== ID_BYTES) return fail(ErrorCode.BAD_REQUEST, 'blocklist query: ENTRY [id bstr(8)]');
    const entry = state.blockEntry(id);
    return ok(entry ? blockEntryLeaf(entry) : undefined);
  },
});
