// The transport data exchange use case (II.3) as a demo (tools layer, Node only): a private
// chain in a temporary folder and a real gateway; a vehicle and a roadside unit publish
// observations and earn credits, a consumer is granted credits by the operator and buys one,
// paying its producer, and a purchase beyond its balance is refused. Each producer then checks
// its balance with a state proof against a header verified from the genesis.
// `botpeer demo transport` runs it.

import {
  ContractId, type CryptoProvider, type KeyPair, Role, TransportMethod, TxKind, bytesToHex, buyArgs, enrollBody, errorName,
  invokeBody, keyId, mintArgs, publishArgs,
} from '../../src/index.js';
import { submitAsOperator } from '../cli/operator-submit.js';
import { newAccountKey, withDemoChain } from './demo-chain.js';
import { fetchBalance } from '../cli/provenance-client.js';

export async function runTransportDemo({ crypto, out }: { crypto: CryptoProvider; out: (line: string) => void }): Promise<void> {
  return withDemoChain(crypto, 'transport demo', async (chain, gateway) => {
    const key = () => newAccountKey(crypto);
    const vehicle = key();
    const roadside = key();
    const consumer = key();
    const seqs = new Map<KeyPair, number>();
    const id = (k: KeyPair) => keyId(crypto, k.publicKey);
    /** Sends one transaction as `signer`; resolves to its verdict's name (OK once final). */
    const send = async (signer: KeyPair, kind: TxKind, body: Parameters<typeof invokeBody>[2] | ReturnType<typeof enrollBody>, what: string) => {
      const seq = (seqs.get(signer) ?? 0) + 1;
      seqs.set(signer, seq);
      const [outcome] = await submitAsOperator({ crypto, chainId: chain.chainId, operator: signer, brokerUrl: gateway.mqttUrl, firstSeq: seq, timeoutMs: 10_000 }, [{ kind, body }]);
      const verdict = outcome?.code === undefined ? 'no answer' : errorName(outcome.code);
      out(`  ${what}: ${verdict}`);
      return verdict;
    };
    const tc = (method: number, args: Parameters<typeof invokeBody>[2]) => invokeBody(ContractId.TRANSPORT_CREDITS, method, args);
    const congestion = crypto.sha256(new TextEncoder().encode('vehicle: congestion at km 12, 08:14'));
    const ice = crypto.sha256(new TextEncoder().encode('roadside unit: ice on bridge 4, 06:50'));

    out(`chain ${bytesToHex(chain.chainId)}: gateway at ${gateway.httpUrl}`);
    await send(chain.operatorKey!, TxKind.ENROLL, enrollBody(vehicle.publicKey), 'the operator enrols a vehicle');
    await send(chain.operatorKey!, TxKind.ENROLL, enrollBody(roadside.publicKey, Role.GATEWAY), 'the operator enrols a roadside unit');
    await send(chain.operatorKey!, TxKind.ENROLL, enrollBody(consumer.publicKey), 'the operator enrols a consumer (a navigation service)');
    await send(chain.operatorKey!, TxKind.INVOKE, tc(TransportMethod.MINT, mintArgs(id(consumer), 10)), 'the operator grants the consumer 10 credits');
    await send(vehicle, TxKind.INVOKE, tc(TransportMethod.PUBLISH, publishArgs(congestion, 1, 3)), 'the vehicle publishes a congestion report at 3 credits (earns 1)');
    await send(roadside, TxKind.INVOKE, tc(TransportMethod.PUBLISH, publishArgs(ice, 2, 8)), 'the roadside unit publishes an ice warning at 8 credits (earns 1)');
    await send(consumer, TxKind.INVOKE, tc(TransportMethod.BUY, buyArgs(congestion)), 'the consumer buys the congestion report (10 → 7)');
    await send(consumer, TxKind.INVOKE, tc(TransportMethod.BUY, buyArgs(ice)), 'the consumer tries to buy the ice warning (7 < 8)');
    out('');
    out('each account checks its balance with a state proof against a header verified from the genesis:');
    for (const [name, k] of [['vehicle', vehicle], ['roadside unit', roadside], ['consumer', consumer]] as const) {
      const { balance, height } = await fetchBalance(crypto, chain.genesis, gateway.httpUrl!, id(k));
      out(`  ${name} (${bytesToHex(id(k))}): ${balance} credits at block ${height}`);
    }
  });
}
