// The use-case contracts end to end over a real gateway (embedded broker, SQLite, HTTP):
// devices sign INVOKEs and READINGS over MQTT; a crate travels with two thermometers across
// two holders and the cold chain breaks in the second leg, which `botpeer provenance`
// finds after verifying everything from the genesis; then credits are minted, earned, spent,
// refused, and a producer checks its balance with a state proof against a header it verified.

import test from 'ava';
import {
  ContractId, SupplyChainMethod, TransportMethod, TxKind, applyHeader, buyArgs, decodeLightBlock, errorName, hexToBytes, invokeBody, makeTrustOptions, mintArgs,
  publishArgs, registerItemArgs, transferCustodyArgs, travellerArgs, trustFromGenesis, verifyBalance, verifyHeader, ErrorCode,
} from '../src/index.js';
import { crypto, connectAll, enroll, makeChainDir, newDeviceKey, startTestGateway } from './support/gateway-fixture.js';
import { connectDevice, type MqttDevice } from './support/mqtt-device.js';
import { coldChainRule, fetchProvenance } from '../tools/cli/provenance-client.js';
import { runBotpeer } from './support/run-botpeer.js';

const now = () => Math.floor(Date.now() / 1000);

/** Sends an INVOKE and waits for its verdict: OK once its proof came, else the reject ack's code. */
async function invoke(device: MqttDevice, seq: number, contract: number, method: number, args: Parameters<typeof invokeBody>[2]): Promise<string> {
  await device.send({ kind: TxKind.INVOKE, sender: device.id, seq, time: now(), body: invokeBody(contract, method, args) });
  await device.waitFor(() => device.proofs.has(seq) || (device.acks.get(seq)?.code ?? 0) !== 0, `verdict of seq ${seq}`);
  return errorName(device.acks.get(seq)!.code);
}

async function reading(device: MqttDevice, seq: number, centi: number): Promise<void> {
  await device.sendReadings(seq, [centi]);
  await device.waitFor(() => device.proofs.has(seq), `proof of reading ${seq}`);
}

test('II.1 and II.3 over the real gateway', async (t) => {
  const { dir, chain, remove } = makeChainDir('use cases');
  const gateway = await startTestGateway(dir, { httpPort: 0 });
  t.teardown(async () => {
    await gateway.close();
    remove();
  });
  const keys = [newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()];
  await enroll(gateway.mqttUrl, chain, keys);
  const [holderA, holderB, thermo1, thermo2] = await connectAll(gateway.mqttUrl, chain, keys);
  const operator = await connectDevice(gateway.mqttUrl, crypto, chain.chainId, chain.operatorKey!);
  t.teardown(() => Promise.all([holderA, holderB, thermo1, thermo2, operator].map((d) => d!.close())));
  const crate = new TextEncoder().encode('crate-0001');
  const SC = ContractId.SUPPLY_CHAIN;

  t.is(await invoke(holderA!, 1, SC, SupplyChainMethod.REGISTER_ITEM, registerItemArgs(crate, [thermo1!.id])), 'OK');
  await reading(thermo1!, 1, 400);
  t.is(await invoke(holderB!, 1, SC, SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(crate, holderB!.id)), 'NOT_HOLDER');
  t.is(await invoke(holderA!, 2, SC, SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(crate, holderB!.id)), 'OK');
  await reading(thermo1!, 2, 950);
  t.is(await invoke(holderB!, 2, SC, SupplyChainMethod.ATTACH, travellerArgs(crate, thermo2!.id)), 'OK');
  await reading(thermo2!, 1, 500);

  // The verifier of the CLI, in process: everything checked from the genesis.
  const http = gateway.httpUrl!;
  const verified = await fetchProvenance(crypto, chain.genesis, chain.chainId, http, crate, coldChainRule('8'));
  t.false(verified.held);
  t.deepEqual(verified.legs.map((l) => l.breaches.map((b) => b.mantissa)), [[], [950], []]);
  t.deepEqual(verified.legs.map((l) => l.values.map((b) => b.mantissa)), [[400], [950], [500]]);

  // And the command a person runs.
  const run = await runBotpeer(['provenance', 'crate-0001', '--max-temp', '8', '--http', http, '--data', dir]);
  t.is(run.code, 1, run.stderr);
  t.regex(run.stdout, /step 1: custody to [0-9a-f]{16} at block \d+/);
  t.regex(run.stdout, /BREACH: 9\.50 °C by device [0-9a-f]{16}/);
  t.regex(run.stdout, /cold chain BROKEN/);
  const warm = await runBotpeer(['provenance', 'crate-0001', '--max-temp', '10', '--http', http, '--data', dir]);
  t.is(warm.code, 0, warm.stderr);
  t.regex(warm.stdout, /cold chain held/);
  const none = await runBotpeer(['provenance', 'crate-0002', '--http', http, '--data', dir]);
  t.is(none.code, 1);
  t.regex(none.stderr, /404/);

  // Malformed and unknown ids over HTTP.
  const status = async (path: string) => (await fetch(`${http}${path}`)).status;
  t.is(await status('/supply-chain/items/zz/provenance'), 400);
  t.is(await status(`/supply-chain/items/${'00'.repeat(33)}/provenance`), 400);
  t.is(await status('/supply-chain/items/00/provenance'), 404);
  t.is(await status('/transport/balances/1234'), 400);

  // II.3: the operator (seq 1–4 enrolled the devices) mints to thermometer 2, thermometer 1
  // publishes and earns, thermometer 2 buys.
  const TC = ContractId.TRANSPORT_CREDITS;
  const obs = crypto.sha256(new TextEncoder().encode('ice on bridge 4'));
  t.is(await invoke(operator, 5, TC, TransportMethod.MINT, mintArgs(thermo2!.id, 5)), 'OK');
  t.is(await invoke(thermo1!, 3, TC, TransportMethod.PUBLISH, publishArgs(obs, 2, 4)), 'OK');
  t.is(await invoke(holderA!, 3, TC, TransportMethod.BUY, buyArgs(obs)), 'INSUFFICIENT_CREDITS');
  t.is(await invoke(thermo2!, 2, TC, TransportMethod.BUY, buyArgs(obs)), 'OK');
  t.is(errorName(ErrorCode.INSUFFICIENT_CREDITS), 'INSUFFICIENT_CREDITS');

  // Thermometer 1 checks its balance (1 earned + 4 paid) against a header it verified itself.
  const balance = (await (await fetch(`${http}/transport/balances/${Buffer.from(thermo1!.id).toString('hex')}`)).json()) as { height: number; value: string | null; proof: string; balance: number };
  t.is(balance.balance, 5);
  const light = decodeLightBlock(new Uint8Array(await (await fetch(`${http}/blocks/${balance.height}/light`)).arrayBuffer()));
  const trust = makeTrustOptions({ trustPeriodMs: Date.now() - chain.genesis.time + 3600_000 });
  const header = verifyHeader(crypto, trustFromGenesis(crypto, chain.genesis), light, Date.now(), trust);
  if (!header.ok) return t.fail(errorName(header.code));
  t.truthy(applyHeader(trustFromGenesis(crypto, chain.genesis), header.value));
  const proven = verifyBalance(crypto, light.header, thermo1!.id, { height: balance.height, value: balance.value ? hexToBytes(balance.value) : undefined, proof: hexToBytes(balance.proof) });
  t.deepEqual(proven.ok && proven.value.balance, 5);
  const cli = await runBotpeer(['balance', Buffer.from(thermo1!.id).toString('hex'), '--http', http, '--data', dir]);
  t.is(cli.code, 0, cli.stderr);
  t.regex(cli.stdout, /: 5 credits at block \d+/);
  const nobody = await runBotpeer(['balance', Buffer.from(holderA!.id).toString('hex'), '--http', http, '--data', dir]);
  t.regex(nobody.stdout, /: 0 credits/);
  const forged = verifyBalance(crypto, light.header, thermo1!.id, { height: balance.height, value: hexToBytes('1864'), proof: hexToBytes(balance.proof) });
  t.false(forged.ok);
});

test('botpeer demo supply-chain: the verifier says where the cold chain broke', async (t) => {
  const run = await runBotpeer(['demo', 'supply-chain']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /step 1: custody to holder B \([0-9a-f]{16}\)/);
  t.regex(run.stdout, /3 values, 3\.8 \.\. 4\.4/);
  t.regex(run.stdout, /BREACH: 9\.4 °C by device thermometer 1 \([0-9a-f]{16}\) .* while held by holder B/);
  t.notRegex(run.stdout.split('step 1:')[0]!, /BREACH/, 'the first leg held');
  t.regex(run.stdout, /cold chain BROKEN: 2 values at or above 8 °C/);
});

test('botpeer demo supply-chain with a bad --max-temp says so before running anything', async (t) => {
  const run = await runBotpeer(['demo', 'supply-chain', '--max-temp', 'warm']);
  t.is(run.code, 1);
  t.regex(run.stderr, /--max-temp must be a number of °C/);
  t.notRegex(run.stdout, /chain [0-9a-f]+/, 'no chain was made');
});

test('botpeer demo transport: credits earned, spent and refused, every balance proven', async (t) => {
  const run = await runBotpeer(['demo', 'transport']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /tries to buy the ice warning \(7 < 8\): INSUFFICIENT_CREDITS/);
  t.regex(run.stdout, /vehicle \([0-9a-f]{16}\): 4 credits at block \d+/);
  t.regex(run.stdout, /roadside unit \([0-9a-f]{16}\): 1 credits/);
  t.regex(run.stdout, /consumer \([0-9a-f]{16}\): 7 credits/);
});
