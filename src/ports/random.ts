// The randomness port (core layer): the host's source of strong random bytes.

/** Cryptographically strong random bytes (the device's hardware RNG). */
export type RandomSource = (length: number) => Uint8Array;
