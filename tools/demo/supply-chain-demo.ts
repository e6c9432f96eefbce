// The supply-chain use case (II.1) as a demo (tools layer, Node only): a private chain in a
// temporary folder, a real gateway (embedded broker, SQLite, HTTP), and simulated accounts
// that sign everything themselves: two holders (gateway accounts) and two thermometers. A crate
// leaves holder A with thermometer 1, which reads a cold 3.8–4.4 °C; custody passes to holder B;
// its leg warms to 9.4 °C; B attaches thermometer 2. Then the provenance is fetched over HTTP
// and verified from the genesis, and the verifier says where the cold chain broke.
// `botpeer demo supply-chain` runs it.

import {
  ContractId, type CryptoProvider, type KeyPair, Quantity, Role, SupplyChainMethod, TxKind, type UnsignedTx, bytesToHex, enrollBody, errorName,
  invokeBody, keyId, readingsBody, registerItemArgs, transferCustodyArgs, travellerArgs,
} from '../../src/index.js';
import { submitAsOperator } from '../cli/operator-submit.js';
import { newAccountKey, withDemoChain } from './demo-chain.js';
import { coldChainRule, fetchProvenance, provenanceLines } from '../cli/provenance-client.js';

export interface DemoOptions {
  readonly crypto: CryptoProvider;
  readonly out: (line: string) => void;
  /** Cold-chain limit, °C (default 8). */
  readonly maxTemp?: string;
}

/** Runs the demo; resolves to whether the cold chain held (it does not, by design: false). */
export async function runSupplyChainDemo({ crypto, out, maxTemp = '8' }: DemoOptions): Promise<boolean> {
  const rule = coldChainRule(maxTemp); // a bad limit is said before the demo runs, not after
  return withDemoChain(crypto, 'supply-chain demo', async (chain, gateway) => {
    const key = () => newAccountKey(crypto);
    const actors = { 'holder A': key(), 'holder B': key(), 'thermometer 1': key(), 'thermometer 2': key() };
    const names = new Map(Object.entries(actors).map(([name, k]) => [bytesToHex(keyId(crypto, k.publicKey)), name]));
    const seqs = new Map<KeyPair, number>();
    const id = (k: KeyPair) => keyId(crypto, k.publicKey);
    /** Signs and sends as `signer`, in order; waits until each is final (its proof came) and fails on a reject. */
    const send = async (signer: KeyPair, what: string, txs: { kind: TxKind; body: UnsignedTx['body'] }[]) => {
      const firstSeq = (seqs.get(signer) ?? 0) + 1;
      seqs.set(signer, firstSeq + txs.length - 1);
      const outcomes = await submitAsOperator({ crypto, chainId: chain.chainId, operator: signer, brokerUrl: gateway.mqttUrl, firstSeq, timeoutMs: 10_000 }, txs);
      for (const o of outcomes) if (o.code !== 0) throw new Error(`${what}: ${o.code === undefined ? 'no answer' : errorName(o.code)}`);
      out(`  ${what}`);
    };
    const temperatures = (values: number[]) => values.map((v) => ({ kind: TxKind.READINGS, body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -1, interval: 0, values: [v] }]) }));
    const sc = (method: number, args: Parameters<typeof invokeBody>[2]) => [{ kind: TxKind.INVOKE, body: invokeBody(ContractId.SUPPLY_CHAIN, method, args) }];
    const crate = new TextEncoder().encode('crate-0001');

    out(`chain ${bytesToHex(chain.chainId)}: gateway at ${gateway.httpUrl}`);
    await send(chain.operatorKey!, 'the operator enrols two holders and two thermometers', [
      { kind: TxKind.ENROLL, body: enrollBody(actors['holder A'].publicKey, Role.GATEWAY) },
      { kind: TxKind.ENROLL, body: enrollBody(actors['holder B'].publicKey, Role.GATEWAY) },
      { kind: TxKind.ENROLL, body: enrollBody(actors['thermometer 1'].publicKey) },
      { kind: TxKind.ENROLL, body: enrollBody(actors['thermometer 2'].publicKey) },
    ]);
    await send(actors['holder A'], 'holder A registers crate-0001, thermometer 1 travelling with it', sc(SupplyChainMethod.REGISTER_ITEM, registerItemArgs(crate, [id(actors['thermometer 1'])])));
    await send(actors['thermometer 1'], 'thermometer 1 reads 3.8, 4.1, 4.4 °C', temperatures([38, 41, 44]));
    await send(actors['holder A'], 'holder A hands the crate to holder B', sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(crate, id(actors['holder B']))));
    await send(actors['thermometer 1'], 'thermometer 1 reads 6.9, 8.7, 9.4 °C (the truck\'s cooling failed)', temperatures([69, 87, 94]));
    await send(actors['holder B'], 'holder B attaches thermometer 2', sc(SupplyChainMethod.ATTACH, travellerArgs(crate, id(actors['thermometer 2']))));
    await send(actors['thermometer 2'], 'thermometer 2 reads 5.0 °C', temperatures([50]));

    out('');
    out(`verifying the provenance from the genesis (GET /supply-chain/items/${bytesToHex(crate)}/provenance):`);
    const verified = await fetchProvenance(crypto, chain.genesis, chain.chainId, gateway.httpUrl!, crate, rule);
    const named = (line: string) => line.replace(/\b[0-9a-f]{16}\b/g, (hex) => (names.has(hex) ? `${names.get(hex)} (${hex})` : hex));
    for (const line of provenanceLines(verified, 'crate-0001', rule)) out(named(line));
    return verified.held;
  });
}
