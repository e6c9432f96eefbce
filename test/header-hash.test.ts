// A received header is hashed from the bytes it came in (test layer): the same hash as
// encoding it again, for light blocks, checkpoints and bare headers, and a copy with a
// field changed is hashed from its own encoding, never from the bytes of the original.

import test from 'ava';
import lightVectors from './vectors/light.json' with { type: 'json' };
import {
  type Header, createNobleCrypto, decodeCheckpoint, decodeHeader, decodeLightBlock, encodeCheckpoint, encodeHeader, headerHash,
  makeValidatorSet, signCheckpoint,
} from '../src/index.js';
import { hex, unhex } from './support/hex-json.js';

const crypto = createNobleCrypto();
/** A plain copy: not a received header, so its hash comes from encoding it. */
const encodedHash = (header: Header) => hex(headerHash(crypto, { ...header }));

test('light blocks: the hash of the received header bytes is the hash of its encoding, and the one the commit signs', (t) => {
  const blocks = lightVectors.cases.map((c) => decodeLightBlock(unhex(c.block)));
  t.true(blocks.length > 10);
  for (const block of blocks) {
    const first = headerHash(crypto, block.header);
    t.is(hex(first), encodedHash(block.header));
    t.is(headerHash(crypto, block.header), first, 'computed once, then the same bytes');
  }
  const accepted = lightVectors.cases.filter((c) => c.expect.ok);
  for (const c of accepted) t.is(hex(headerHash(crypto, decodeLightBlock(unhex(c.block)).header)), (c.expect as { headerHash: string }).headerHash, c.name);
});

test('a changed copy of a received header is hashed from its own encoding', (t) => {
  const block = decodeLightBlock(unhex(lightVectors.cases[0]!.block));
  const original = hex(headerHash(crypto, block.header));
  const changed = { ...block.header, time: block.header.time + 1 };
  t.not(hex(headerHash(crypto, changed)), original);
  t.is(hex(headerHash(crypto, changed)), hex(headerHash(crypto, decodeHeader(encodeHeader(changed)))));
});

test('bare headers and checkpoints: hashed from their received bytes, equal to encoding them', (t) => {
  const header = decodeLightBlock(unhex(lightVectors.cases[0]!.block)).header;
  t.is(hex(headerHash(crypto, decodeHeader(encodeHeader(header)))), encodedHash(header));
  const key = crypto.sha256(Uint8Array.of(7));
  const validators = makeValidatorSet(1, [crypto.publicKey(key)]);
  const checkpoint = decodeCheckpoint(encodeCheckpoint(signCheckpoint(crypto, header, validators, key)));
  t.is(hex(headerHash(crypto, checkpoint.header)), encodedHash(header));
});
