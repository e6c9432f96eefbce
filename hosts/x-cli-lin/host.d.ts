// Types for host.js (host layer, Moddable x-cli-lin only).

/** XS's own memory counters. Chunks in bytes; slots as a count of `slotBytes`-byte slots. */
export interface XsMemory {
  readonly chunks: number;
  readonly peakChunks: number;
  readonly slots: number;
  readonly peakSlots: number;
  readonly slotBytes: number;
  readonly maxChunks: number;
  readonly maxSlots: number;
}

/** Ends the process with `code` once the current turn returns. */
export function exit(code: number): void;
export function getenv(name: string): string | undefined;
/** A monotonic clock in microseconds (fractional). */
export function microseconds(): number;
/** Writes text to stdout unbuffered. */
export function write(text: string): void;
/** With `collect`, runs the garbage collector first so the current figures are what is live. */
export function memory(collect?: boolean): XsMemory;
/** The whole file, or undefined when it does not exist. */
export function readFile(path: string): ArrayBuffer | undefined;
/** Replaces the file atomically and durably (temporary file, fsync, rename, fsync of the folder). */
export function writeFile(path: string, bytes: ArrayBuffer | Uint8Array): void;
/** Deletes the file if it exists. */
export function deleteFile(path: string): void;
/** Makes the folder if it does not exist (not its parents). */
export function makeDirectory(path: string): void;

/** A file that behaves like NOR flash (erase → 0xFF, writes only clear bits, each fsynced), shaped like Moddable's Flash. */
export class FileFlash {
  constructor(path: string, byteLength: number, blockSize?: number);
  readonly byteLength: number;
  readonly blockSize: number;
  read(offset: number, byteLength: number): ArrayBuffer;
  write(offset: number, byteLength: number, buffer: Uint8Array): void;
  erase(sector: number): void;
}
