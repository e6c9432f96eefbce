// Types for random-hw.js (native module layer, Moddable only).

/** Fills `buffer` with bytes from the platform's cryptographic generator. */
export function fill(buffer: ArrayBuffer | ArrayBufferView): void;
/** The RandomSource port: `length` fresh random bytes. */
export function randomBytes(length: number): Uint8Array;
