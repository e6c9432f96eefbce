// The use cases' scenarios on a chain in memory (test layer, platform-neutral), shared by the
// unit tests and the vector generator: every INVOKE with the code a gateway gives it.
//
// Supply chain (II.1): two holders (gateway accounts), two travelling thermometers. The
// first holder registers a crate with thermometer 1; it reads 4.0 °C; custody passes to the
// second holder; thermometer 1 reads 9.5 °C (the cold chain breaks in the second leg); the
// second holder attaches thermometer 2, which reads 5.0 °C; thermometer 1 reads 7.99 °C, is
// detached, and its next reading (12.0 °C) is no longer part of the crate's journey.
//
// Transport credits (II.3): the operator mints credits to a consumer; a vehicle and a roadside
// unit publish observations and earn; the consumer buys one (its price moves to the producer).

import { ascii } from '../../src/codec/bytes.js';
import type { CborValue } from '../../src/codec/cbor.js';
import type { CryptoProvider } from '../../src/crypto/crypto-port.js';
import { ContractId } from '../../src/contracts/contract-namespace.js';
import { SupplyChainMethod, registerItemArgs, transferCustodyArgs, travellerArgs } from '../../src/contracts/supply-chain/supply-chain.js';
import { TransportMethod, buyArgs, mintArgs, publishArgs, transferArgs } from '../../src/contracts/transport-credits/transport-credits.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import { Role, enrollBody, invokeBody, readingsBody } from '../../src/tx/bodies.js';
import type { KeyPair } from '../../src/tx/identity.js';
import { Quantity, TxKind } from '../../src/tx/kinds.js';
import type { SignedTx } from '../../src/tx/tx.js';
import { testKey } from './chain-fixture.js';
import { UseCaseChain } from './use-case-chain.js';

export interface Step {
  readonly what: string;
  readonly tx: SignedTx;
  readonly expect: number;
  /** Height of the block it went into (accepted or not). */
  readonly height: number;
  readonly code: number;
}

export const CRATE = ascii('crate-0001');

const temperature = (centi: number) => readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 0, values: [centi] }]);

/** Runs rows block by block; each inner array is one block. */
function run(chain: UseCaseChain, blocks: readonly (readonly [string, KeyPair, TxKind, CborValue, number])[][]): Step[] {
  const out: Step[] = [];
  for (const rows of blocks) {
    const txs = rows.map(([, key, kind, body]) => chain.tx(key, kind, body));
    const codes = chain.block(txs);
    rows.forEach(([what, , , , expect], i) => out.push({ what, tx: txs[i]!, expect, height: chain.height, code: codes[i]! }));
  }
  return out;
}

export function supplyChainScenario(crypto: CryptoProvider) {
  const chain = new UseCaseChain(crypto, 'supply chain');
  const holderA = testKey(crypto, 'holder a');
  const holderB = testKey(crypto, 'holder b');
  const thermo1 = testKey(crypto, 'thermometer 1');
  const thermo2 = testKey(crypto, 'thermometer 2');
  const stranger = testKey(crypto, 'stranger');
  const id = (k: KeyPair) => chain.idOf(k);
  const sc = (method: number, args: CborValue[]) => invokeBody(ContractId.SUPPLY_CHAIN, method, args);
  const I = TxKind.INVOKE;
  const op = chain.operator;
  const steps = run(chain, [
    [
      ['enrol holder A (a gateway account)', op, TxKind.ENROLL, enrollBody(holderA.publicKey, Role.GATEWAY), ErrorCode.OK],
      ['enrol holder B', op, TxKind.ENROLL, enrollBody(holderB.publicKey, Role.GATEWAY), ErrorCode.OK],
      ['enrol thermometer 1', op, TxKind.ENROLL, enrollBody(thermo1.publicKey), ErrorCode.OK],
      ['enrol thermometer 2', op, TxKind.ENROLL, enrollBody(thermo2.publicKey), ErrorCode.OK],
    ],
    [
      ['transfer of an item never registered', holderA, I, sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(CRATE, id(holderB))), ErrorCode.UNKNOWN_ITEM],
      ['register with a traveller that is not enrolled', holderA, I, sc(SupplyChainMethod.REGISTER_ITEM, registerItemArgs(CRATE, [id(stranger)])), ErrorCode.BAD_TRAVELLER],
      ['register with a traveller that is a holder, not a device', holderA, I, sc(SupplyChainMethod.REGISTER_ITEM, registerItemArgs(CRATE, [chain.idOf(op)])), ErrorCode.BAD_TRAVELLER],
      ['register with an empty item id', holderA, I, sc(SupplyChainMethod.REGISTER_ITEM, [new Uint8Array(0), []]), ErrorCode.BAD_ARGS],
      ['register with an item id of 33 bytes', holderA, I, sc(SupplyChainMethod.REGISTER_ITEM, [new Uint8Array(33), []]), ErrorCode.BAD_ARGS],
      ['register with one argument', holderA, I, sc(SupplyChainMethod.REGISTER_ITEM, [CRATE]), ErrorCode.BAD_ARGS],
      ['an unknown method', holderA, I, sc(9, [CRATE, []]), ErrorCode.NOT_PERMITTED],
      ['holder A registers the crate with thermometer 1', holderA, I, sc(SupplyChainMethod.REGISTER_ITEM, registerItemArgs(CRATE, [id(thermo1)])), ErrorCode.OK],
      ['the same id again', holderB, I, sc(SupplyChainMethod.REGISTER_ITEM, registerItemArgs(CRATE, [])), ErrorCode.ITEM_EXISTS],
    ],
    [
      ['thermometer 1 reads 4.00 °C', thermo1, TxKind.READINGS, temperature(400), ErrorCode.OK],
      ['thermometer 2 reads 20.00 °C (not travelling yet)', thermo2, TxKind.READINGS, temperature(2000), ErrorCode.OK],
    ],
    [
      ['holder B cannot transfer what A holds', holderB, I, sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(CRATE, id(holderB))), ErrorCode.NOT_HOLDER],
      ['holder B cannot attach to what A holds', holderB, I, sc(SupplyChainMethod.ATTACH, travellerArgs(CRATE, id(thermo2))), ErrorCode.NOT_HOLDER],
      ['transfer to an account that does not exist', holderA, I, sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(CRATE, id(stranger))), ErrorCode.UNKNOWN_ACCOUNT],
      ['transfer to the holder itself', holderA, I, sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(CRATE, id(holderA))), ErrorCode.BAD_ARGS],
      ['attach thermometer 1 twice', holderA, I, sc(SupplyChainMethod.ATTACH, travellerArgs(CRATE, id(thermo1))), ErrorCode.BAD_TRAVELLER],
      ['detach thermometer 2, not attached', holderA, I, sc(SupplyChainMethod.DETACH, travellerArgs(CRATE, id(thermo2))), ErrorCode.BAD_TRAVELLER],
      ['holder A hands the crate to holder B', holderA, I, sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(CRATE, id(holderB))), ErrorCode.OK],
      ['holder A no longer holds it', holderA, I, sc(SupplyChainMethod.TRANSFER_CUSTODY, transferCustodyArgs(CRATE, id(holderB))), ErrorCode.NOT_HOLDER],
    ],
    [['thermometer 1 reads 9.50 °C: the cold chain breaks', thermo1, TxKind.READINGS, temperature(950), ErrorCode.OK]],
    [['holder B attaches thermometer 2', holderB, I, sc(SupplyChainMethod.ATTACH, travellerArgs(CRATE, id(thermo2))), ErrorCode.OK]],
    [
      ['thermometer 2 reads 5.00 °C', thermo2, TxKind.READINGS, temperature(500), ErrorCode.OK],
      ['thermometer 1 reads 7.99 °C', thermo1, TxKind.READINGS, temperature(799), ErrorCode.OK],
    ],
    [
      ['holder A cannot detach from what B holds', holderA, I, sc(SupplyChainMethod.DETACH, travellerArgs(CRATE, id(thermo1))), ErrorCode.NOT_HOLDER],
      ['holder B detaches thermometer 1', holderB, I, sc(SupplyChainMethod.DETACH, travellerArgs(CRATE, id(thermo1))), ErrorCode.OK],
    ],
    [['thermometer 1 reads 12.00 °C, no longer travelling', thermo1, TxKind.READINGS, temperature(1200), ErrorCode.OK]],
  ]);
  return { chain, steps, itemId: CRATE, keys: { holderA, holderB, thermo1, thermo2, stranger } };
}

export function transportScenario(crypto: CryptoProvider) {
  const chain = new UseCaseChain(crypto, 'transport');
  const vehicle = testKey(crypto, 'vehicle');
  const roadside = testKey(crypto, 'roadside unit');
  const consumer = testKey(crypto, 'consumer');
  const stranger = testKey(crypto, 'stranger');
  const id = (k: KeyPair) => chain.idOf(k);
  const tc = (method: number, args: CborValue[]) => invokeBody(ContractId.TRANSPORT_CREDITS, method, args);
  const I = TxKind.INVOKE;
  const op = chain.operator;
  const obs1 = crypto.sha256(ascii('vehicle: congestion at km 12'));
  const obs2 = crypto.sha256(ascii('roadside: ice on bridge 4'));
  const steps = run(chain, [
    [
      ['enrol the vehicle', op, TxKind.ENROLL, enrollBody(vehicle.publicKey), ErrorCode.OK],
      ['enrol the roadside unit', op, TxKind.ENROLL, enrollBody(roadside.publicKey, Role.GATEWAY), ErrorCode.OK],
      ['enrol the consumer (a device account)', op, TxKind.ENROLL, enrollBody(consumer.publicKey), ErrorCode.OK],
    ],
    [
      ['a device may not mint', vehicle, I, tc(TransportMethod.MINT, mintArgs(id(vehicle), 100)), ErrorCode.NOT_PERMITTED],
      ['mint to an account that does not exist', op, I, tc(TransportMethod.MINT, mintArgs(id(stranger), 100)), ErrorCode.UNKNOWN_ACCOUNT],
      ['mint nothing', op, I, tc(TransportMethod.MINT, mintArgs(id(consumer), 0)), ErrorCode.BAD_ARGS],
      ['the operator mints 10 credits to the consumer', op, I, tc(TransportMethod.MINT, mintArgs(id(consumer), 10)), ErrorCode.OK],
      ['the operator may not publish', op, I, tc(TransportMethod.PUBLISH, publishArgs(obs1, 1, 3)), ErrorCode.NOT_PERMITTED],
      ['a hash of 31 bytes', vehicle, I, tc(TransportMethod.PUBLISH, publishArgs(obs1.subarray(1), 1, 3)), ErrorCode.BAD_ARGS],
      ['the vehicle publishes congestion at price 3', vehicle, I, tc(TransportMethod.PUBLISH, publishArgs(obs1, 1, 3)), ErrorCode.OK],
      ['the same observation again', roadside, I, tc(TransportMethod.PUBLISH, publishArgs(obs1, 1, 3)), ErrorCode.OBSERVATION_EXISTS],
      ['the roadside unit publishes ice at price 8', roadside, I, tc(TransportMethod.PUBLISH, publishArgs(obs2, 2, 8)), ErrorCode.OK],
    ],
    [
      ['buy an observation never published', consumer, I, tc(TransportMethod.BUY, buyArgs(crypto.sha256(ascii('nothing')))), ErrorCode.UNKNOWN_OBSERVATION],
      ['the vehicle may not buy its own', vehicle, I, tc(TransportMethod.BUY, buyArgs(obs1)), ErrorCode.NOT_PERMITTED],
      ['the consumer buys the congestion report (10 → 7)', consumer, I, tc(TransportMethod.BUY, buyArgs(obs1)), ErrorCode.OK],
      ['and again', consumer, I, tc(TransportMethod.BUY, buyArgs(obs1)), ErrorCode.OBSERVATION_EXISTS],
      ['the ice report costs 8: insufficient', consumer, I, tc(TransportMethod.BUY, buyArgs(obs2)), ErrorCode.INSUFFICIENT_CREDITS],
      ['the vehicle (1 + 3 = 4) transfers 5: insufficient', vehicle, I, tc(TransportMethod.TRANSFER, transferArgs(id(consumer), 5)), ErrorCode.INSUFFICIENT_CREDITS],
      ['a transfer to oneself', vehicle, I, tc(TransportMethod.TRANSFER, transferArgs(id(vehicle), 1)), ErrorCode.BAD_ARGS],
      ['the vehicle transfers 4 to the consumer (11)', vehicle, I, tc(TransportMethod.TRANSFER, transferArgs(id(consumer), 4)), ErrorCode.OK],
    ],
    [['the consumer buys the ice report (11 → 3)', consumer, I, tc(TransportMethod.BUY, buyArgs(obs2)), ErrorCode.OK]],
  ]);
  const expected = [[id(vehicle), 0], [id(roadside), 1 + 8], [id(consumer), 3]] as const;
  return { chain, steps, keys: { vehicle, roadside, consumer, stranger }, observations: [obs1, obs2], expected };
}
