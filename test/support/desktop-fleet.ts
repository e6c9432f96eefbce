// Helpers for the desktop fleet tests (test layer, Node only): a fleet against a
// real gateway in a temp folder, the events it emitted, and the exactly-once check
// of the devices' finals against the gateway's ledger.

import type { ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTx, parseReadings } from '../../src/index.js';
import { type PeerEvent } from '../../src/peer/index.js';
import type { Device } from '../../hosts/desktop/device.js';
import type { LedgerStore, StoredTx } from '../../tools/gateway/ledger-store.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export function tempDir(t: ExecutionContext, prefix = 'botpeer-fleet-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every event of every device, by device id hex, in emission order. */
export class EventLog {
  readonly byDevice = new Map<string, PeerEvent[]>();

  record(idHex: string, event: PeerEvent): void {
    let list = this.byDevice.get(idHex);
    if (!list) this.byDevice.set(idHex, (list = []));
    list.push(event);
  }

  /** Attaches to a device (or a new peer over the same folder): returns the detach function. */
  attach(device: Device): () => void {
    return device.onEvent((event) => this.record(device.idHex, event));
  }

  of<T extends PeerEvent['type']>(idHex: string, type: T): Extract<PeerEvent, { type: T }>[] {
    return (this.byDevice.get(idHex) ?? []).filter((e): e is Extract<PeerEvent, { type: T }> => e.type === type);
  }

  count(type: PeerEvent['type']): number {
    let n = 0;
    for (const list of this.byDevice.values()) for (const e of list) if (e.type === type) n++;
    return n;
  }
}

/** A device's transactions in the ledger, in ledger order (height, then leaf index). */
export function ledgerTxs(store: LedgerStore, id: Uint8Array): StoredTx[] {
  return store.txsBySender(id, 1_000_000).sort((a, b) => a.height - b.height || a.index - b.index);
}

export const readingsIn = (tx: StoredTx): number =>
  parseReadings(decodeTx(tx.wire).body).reduce((n, s) => n + s.values.length, 0);

/**
 * The exactly-once check. For each device: its seqs in the ledger strictly increase and
 * none is there twice; every seq it ever signed is in the ledger (nothing lost) and became
 * final on the device exactly once (nothing counted twice); nothing is in the ledger that
 * it did not sign; the readings in the ledger are the readings it signed. Returns the
 * totals, so a test can also check them against what it expected.
 */
export function checkExactlyOnce(t: ExecutionContext, store: LedgerStore, devices: readonly Device[], events: EventLog): { txs: number; readings: number } {
  let txs = 0;
  let readings = 0;
  for (const device of devices) {
    const hex = device.idHex;
    const ledger = ledgerTxs(store, device.id);
    const seqs = ledger.map((tx) => tx.seq);
    t.true(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), `${hex}: seqs strictly increase in the ledger`);
    const signed = events.of(hex, 'signed');
    t.is(new Set(signed.map((e) => e.seq)).size, signed.length, `${hex}: no seq signed twice`);
    // A transaction re-signed under a new seq (the gateway showed it never had the old one)
    // carries the same readings under the new seq.
    const readingsBySeq = new Map(signed.map((e) => [e.seq, e.readings]));
    for (const e of events.of(hex, 'reissued')) {
      t.false(readingsBySeq.has(e.newSeq), `${hex}: reissued under a fresh seq`);
      readingsBySeq.set(e.newSeq, readingsBySeq.get(e.seq) ?? 0);
      readingsBySeq.delete(e.seq);
    }
    const signedSeqs = [...readingsBySeq.keys()];
    const finals = events.of(hex, 'final').map((e) => e.seq);
    t.is(new Set(finals).size, finals.length, `${hex}: no seq final twice`);
    t.deepEqual([...seqs].sort((a, b) => a - b), [...signedSeqs].sort((a, b) => a - b), `${hex}: the ledger holds exactly what it signed`);
    t.deepEqual([...finals].sort((a, b) => a - b), [...signedSeqs].sort((a, b) => a - b), `${hex}: each signed seq became final once`);
    const ledgerReadings = ledger.reduce((n, tx) => n + readingsIn(tx), 0);
    t.is(ledgerReadings, [...readingsBySeq.values()].reduce((n, r) => n + r, 0), `${hex}: readings in the ledger = readings signed`);
    t.is(events.of(hex, 'rejected').length, 0, `${hex}: nothing rejected`);
    t.is(events.of(hex, 'proof-rejected').length, 0, `${hex}: no proof rejected`);
    txs += ledger.length;
    readings += ledgerReadings;
  }
  return { txs, readings };
}

