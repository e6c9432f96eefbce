// An in-process run of the whole protocol on the core alone (tools layer):
// simulated devices sign batches of readings, a validator set of 3 (threshold 2)
// orders them into blocks and commits, and every device verifies each header
// with the light client and each of its transactions' inclusion proofs before
// counting it final. No broker and no storage: those belong to the gateway.
//
//   npm start -- [--devices N] [--blocks N]

import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  ErrorCode, Permission, Quantity, TxKind, type LightBlock, type SignedTx, type TrustedState,
  applyHeader, chainIdOf, createNobleCrypto, decodeLightBlock, decodeTx, encodeLightBlock, encodeTx, errorName,
  generateKeyPair, genesisHash, headerHash, inclusionProofs, keyId, makeTrustOptions, makeValidatorSet, merkleRoot,
  readingsBody, signCommit, signTx, trustFromGenesis, txId, validatorSetHash, verifyHeader, verifyTxInclusion, verifyTxSignature,
} from '../../src/index.js';

const { values: args } = parseArgs({
  options: { devices: { type: 'string', default: '5' }, blocks: { type: 'string', default: '5' }, help: { type: 'boolean', short: 'h' } },
});
if (args.help) {
  console.log('usage: npm start -- [--devices N (1-1000, default 5)] [--blocks N (1-1000, default 5)]');
  process.exit(0);
}
const deviceCount = Number(args.devices);
const blockCount = Number(args.blocks);
for (const [name, n] of [['--devices', deviceCount], ['--blocks', blockCount]] as const) {
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    console.error(`error: ${name} must be an integer from 1 to 1000`);
    process.exit(2);
  }
}

const crypto = createNobleCrypto();
const random = (n: number) => new Uint8Array(randomBytes(n));
const validators = [0, 1, 2].map(() => generateKeyPair(crypto, random));
const validatorSet = makeValidatorSet(2, validators.map((v) => v.publicKey));
const signers = validatorSet.keys.map((pk) => validators.find((v) => v.publicKey.every((b, i) => b === pk[i]))!);
const start = Date.now();
const genesis = { name: new Uint8Array([0x64, 0x65, 0x6d, 0x6f]), time: start, permission: Permission.PRIVATE, validators: validatorSet, operatorKey: generateKeyPair(crypto, random).publicKey };
const chainId = chainIdOf(crypto, genesis);
const options = makeTrustOptions();

interface Device { id: Uint8Array; keys: ReturnType<typeof generateKeyPair>; seq: number; trusted: TrustedState; pending: Map<string, number>; final: number }
const devices: Device[] = Array.from({ length: deviceCount }, () => {
  const keys = generateKeyPair(crypto, random);
  return { id: keyId(crypto, keys.publicKey), keys, seq: 0, trusted: trustFromGenesis(crypto, genesis), pending: new Map(), final: 0 };
});
const registry = new Map(devices.map((d) => [Buffer.from(d.id).toString('hex'), { key: d.keys.publicKey, lastSeq: 0 }]));

console.log(`chain ${Buffer.from(chainId).toString('hex')}: ${deviceCount} devices, 2-of-3 validators, ${blockCount} blocks`);
let prevHash = genesisHash(crypto, genesis);
let bytesSent = 0;
for (let height = 1; height <= blockCount; height++) {
  // Devices: sample 8 temperatures, sign one batch, "send" the wire bytes.
  const wires = devices.map((d) => {
    const values = Array.from({ length: 8 }, () => 2000 + Math.round(Math.random() * 500));
    const tx = signTx(crypto, chainId, { kind: TxKind.READINGS, sender: d.id, seq: ++d.seq, time: Math.floor(Date.now() / 1000), body: readingsBody([{ quantity: Quantity.TEMPERATURE_C, scale: -2, interval: 10, values }]) }, d.keys.privateKey);
    const wire = encodeTx(tx);
    d.pending.set(Buffer.from(txId(crypto, wire)).toString('hex'), tx.seq);
    bytesSent += wire.length;
    return wire;
  });
  // Validators: decode strictly, check signature and sequence, order into a block, commit.
  const accepted: SignedTx[] = [];
  const ids: Uint8Array[] = [];
  for (const wire of wires) {
    const tx = decodeTx(wire);
    const entry = registry.get(Buffer.from(tx.sender).toString('hex'));
    const verdict = !entry ? ErrorCode.UNKNOWN_SENDER : !verifyTxSignature(crypto, chainId, tx, entry.key).ok ? ErrorCode.BAD_SIGNATURE : tx.seq !== entry.lastSeq + 1 ? ErrorCode.SEQUENCE_GAP : ErrorCode.OK;
    if (verdict !== ErrorCode.OK) {
      console.log(`  rejected ${errorName(verdict)}`);
      continue;
    }
    entry!.lastSeq = tx.seq;
    accepted.push(tx);
    ids.push(txId(crypto, wire));
  }
  const header = {
    chainId, height, time: start + height * 1000, prevHash, txRoot: merkleRoot(crypto, ids), txCount: ids.length,
    stateRoot: crypto.sha256(new Uint8Array(0)), validatorsHash: validatorSetHash(crypto, validatorSet), nextValidatorsHash: validatorSetHash(crypto, validatorSet),
  };
  const hash = headerHash(crypto, header);
  const commit = signCommit(crypto, height, hash, [0, 1].map((index) => ({ index, privateKey: signers[index]!.privateKey })));
  const published = encodeLightBlock({ header, commit });
  const proofs = inclusionProofs(crypto, ids);
  prevHash = hash;
  // Devices: verify the header themselves, then their proofs against it.
  let finals = 0;
  for (const d of devices) {
    const block: LightBlock = decodeLightBlock(published);
    const verdict = verifyHeader(crypto, d.trusted, block, start + height * 1000 + 50, options);
    if (!verdict.ok) {
      console.log(`  device refused header ${height}: ${errorName(verdict.code)}`);
      continue;
    }
    d.trusted = applyHeader(d.trusted, verdict.value);
    ids.forEach((id, i) => {
      const key = Buffer.from(id).toString('hex');
      if (d.pending.has(key) && verifyTxInclusion(crypto, block.header, id, proofs[i]!).ok) {
        d.pending.delete(key);
        d.final++;
        finals++;
      }
    });
  }
  console.log(`block ${height}: ${accepted.length} tx, header ${published.length} B, ${finals} readings batches final on their devices`);
}
const final = devices.reduce((n, d) => n + d.final, 0);
console.log(`done: ${final}/${deviceCount * blockCount} batches final, ${(bytesSent / (deviceCount * blockCount)).toFixed(0)} bytes per 8-reading transaction`);
process.exit(final === deviceCount * blockCount ? 0 : 1);
