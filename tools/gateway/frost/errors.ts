// The two failure kinds of the FROST signing BIP draft (siv2r/bip-frost-signing, reference code
// "exceptions"; "Identifying Disruptive Signers") (tools layer, Node side):
//
// - FrostInputError: an input breaks a precondition (wrong length, bad signers context, reused
//   secnonce). The message is the draft's, word for word, so the draft's vectors can check it.
// - InvalidContributionError: a party sent a bad value during the protocol. It names the culprit:
//   signerIndex is the index (within the list given to the failing algorithm) of the signer to
//   blame, or null for the coordinator. This is the accountability the consortium keeps.
//
// Not yet BotErrors: they become typed codes (src/errors, docs/protocol.md §10) when FROST is wired
// into the consortium.

export const CONTRIBUTION_KINDS = Object.freeze(['aggothernonce', 'aggnonce', 'psig', 'pubnonce'] as const);
export type ContributionKind = (typeof CONTRIBUTION_KINDS)[number];

export class FrostInputError extends Error {
  override readonly name = 'FrostInputError';
}

export class InvalidContributionError extends Error {
  override readonly name = 'InvalidContributionError';
  readonly signerIndex: number | null;
  readonly contrib: ContributionKind;

  constructor(signerIndex: number | null, contrib: ContributionKind) {
    super(`invalid ${contrib} from ${signerIndex === null ? 'the coordinator' : `signer at index ${signerIndex}`}`);
    this.signerIndex = signerIndex;
    this.contrib = contrib;
  }
}
