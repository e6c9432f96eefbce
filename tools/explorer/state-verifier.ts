// Contract state verified in the browser (browser, bundled with the core): the gateway's
// /state answer (a value or null, the height, the encoded proof) is checked with the core's
// verifyStateProof against the stateRoot of the header at that height, which the page verified
// itself (browser-verifier.ts). So "enrolled" and "not blocked" rest on the validators' commit:
// a gateway that changes the value, claims an absence or sends a wrong proof gets "proof refused".

import {
  AccountRole, AccountStatus, BlockReason, ContractId, ErrorCode, SMALL_LIMITS, bytesToHex, contractNamespace, decodeCbor, errorName, hexToBytes, verifyStateProof,
} from '../../src/index.js';
import type { BrowserVerifier } from './browser-verifier.js';

export interface StateVerdict {
  readonly ok: boolean;
  /** Once verified: whether the entry is there. */
  readonly present?: boolean;
  /** The height whose header the proof was checked against. */
  readonly height?: number;
  /** One line: "enrolled ✓ (proved at height 12)", "not blocked ✓ (proof of absence at height 12)", "proof refused: BAD_PROOF". */
  readonly summary: string;
  /** What was checked, or why it was refused. */
  readonly detail: string;
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const REGISTRY = bytesToHex(contractNamespace(ContractId.REGISTRY));
const BLOCKLIST = bytesToHex(contractNamespace(ContractId.BLOCKLIST));

const nameOf = (table: Readonly<Record<string, number>>, value: unknown) =>
  (Object.keys(table).find((k) => table[k] === value) ?? String(value)).toLowerCase().replace(/_/g, ' ');

const refused = (code: number, detail: string): StateVerdict => ({ ok: false, summary: `proof refused: ${errorName(code)}`, detail });

/** Proves `key` of `namespace` (hex, as asked) from the gateway's answer; never throws. */
export async function proveState(verifier: BrowserVerifier, namespaceHex: string, keyHex: string): Promise<StateVerdict> {
  if (!HEX.test(namespaceHex) || !HEX.test(keyHex)) return refused(ErrorCode.BAD_SHAPE, 'the namespace and the key are bytes in hex (an even number of hex digits)');
  const namespace = hexToBytes(namespaceHex.toLowerCase());
  const key = hexToBytes(keyHex.toLowerCase());
  let served: { height?: unknown; value?: unknown; proof?: unknown };
  try {
    const response = await fetch(`/state/${bytesToHex(namespace)}/${bytesToHex(key)}`, { headers: { Accept: 'application/json' } });
    served = (await response.json()) as typeof served;
    if (!response.ok) return { ok: false, summary: `no answer: HTTP ${response.status}`, detail: String((served as { error?: unknown }).error ?? '') };
  } catch (error) {
    return { ok: false, summary: 'no answer', detail: (error as Error).message };
  }
  // The answer is untrusted: its shape first, then the proof against a header verified here.
  const { height, value, proof } = served;
  if (!Number.isSafeInteger(height) || (height as number) < 1) return refused(ErrorCode.BAD_SHAPE, 'the answer names no block height');
  if (value !== null && (typeof value !== 'string' || !HEX.test(value))) return refused(ErrorCode.BAD_SHAPE, 'the value is neither null nor hex');
  if (typeof proof !== 'string' || !HEX.test(proof)) return refused(ErrorCode.BAD_SHAPE, 'the proof is not hex');
  const h = height as number;
  let stateRoot: Uint8Array;
  try {
    stateRoot = (await verifier.headerAt(h)).header.stateRoot;
  } catch (error) {
    return { ok: false, summary: `proof refused: header ${h} not verified`, detail: (error as Error).message };
  }
  const valueBytes = value === null ? undefined : hexToBytes(value.toLowerCase());
  const result = verifyStateProof(verifier.crypto, stateRoot, namespace, key, valueBytes, hexToBytes(proof.toLowerCase()));
  if (!result.ok) return { ...refused(result.code, `${result.reason} (against the stateRoot of header ${h}, verified in your browser)`), height: h };
  // An honest proof at an old height is still a proof, of an old fact: say how old.
  const behind = verifier.verifiedHeight - h;
  const age = behind > 0 ? `; ${behind} block${behind === 1 ? '' : 's'} older than the newest header this page verified (${verifier.verifiedHeight})` : '';
  const checked = `${valueBytes ? 'membership' : 'non-membership'} proof rebuilds the stateRoot of header ${h}, which this page verified from the validators' commit${age}`;
  return { ok: true, present: valueBytes !== undefined, height: h, summary: describe(bytesToHex(namespace), valueBytes, h), detail: checked };
}

/** The verified fact in words, for the contracts the page knows; raw bytes otherwise. */
function describe(namespace: string, value: Uint8Array | undefined, height: number): string {
  const absent = `(proof of absence at height ${height})`;
  const proved = `proved at height ${height}`;
  if (namespace === REGISTRY) {
    if (!value) return `not enrolled ✓ ${absent}`;
    const fields = decodeFields(value);
    // [id, key, role, status, lastSeq, enrolledAt] (§6.3.1)
    if (!fields) return `registered ✓ (${value.length} bytes, ${proved})`;
    const state = fields[3] === AccountStatus.REVOKED ? 'revoked' : 'enrolled';
    return `${state} ✓ (${proved}; ${nameOf(AccountRole, fields[2])}, last seq ${String(fields[4])})`;
  }
  if (namespace === BLOCKLIST) {
    if (!value) return `not blocked ✓ ${absent}`;
    // [id, reason, reporter, height] (§6.3.1)
    const fields = decodeFields(value);
    return fields ? `blocked ✓ (${nameOf(BlockReason, fields[1])} since height ${String(fields[3])}; ${proved})` : `blocked ✓ (${proved})`;
  }
  return value ? `present ✓ (${value.length} bytes: ${bytesToHex(value.subarray(0, 32))}${value.length > 32 ? '…' : ''}; ${proved})` : `absent ✓ ${absent}`;
}

function decodeFields(value: Uint8Array): unknown[] | undefined {
  try {
    const decoded = decodeCbor(value, SMALL_LIMITS);
    return Array.isArray(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}
