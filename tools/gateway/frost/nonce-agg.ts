// NonceAgg of the FROST signing BIP draft (siv2r/bip-frost-signing, "Nonce Aggregation") (tools
// layer, Node side): the coordinator sums the signers' pubnonces into the 66-byte aggnonce. A
// pubnonce that does not decode blames the signer at its index.

import { InvalidContributionError } from './errors.js';
import { INFINITY, POINT_BYTES, cbytesExt, concat, cpoint } from './group.js';

export function nonceAgg(pubnonces: readonly Uint8Array[]): Uint8Array {
  const halves: Uint8Array[] = [];
  for (const j of [0, 1]) {
    let R = INFINITY;
    pubnonces.forEach((pubnonce, idx) => {
      // Slicing as the draft does, so a short pubnonce is blamed in the same pass as the reference.
      const Rij = cpoint(pubnonce.subarray(j * POINT_BYTES, (j + 1) * POINT_BYTES));
      if (Rij === undefined) throw new InvalidContributionError(idx, 'pubnonce');
      R = R.add(Rij);
    });
    halves.push(cbytesExt(R));
  }
  return concat(halves[0]!, halves[1]!);
}
