// KeyValueStore as one small file per key (x-cli-lin host layer): each set replaces its
// file atomically and durably (host.c: temporary file, fsync, rename), the same
// guarantee Preference/NVS gives on an ESP32.

import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';
import type { KeyValueStore } from '../../src/ports/index.js';
import { deleteFile, makeDirectory, readFile, writeFile } from './host.js';

// Letters, digits, '.', '_' and '-', 1..15 of them (checked without a RegExp: cheaper under XS).
// Not starting with '.' ('.' and '..' name folders) nor ending in '.tmp' (writeFile's temporary).
function isKey(key: string): boolean {
  if (key.length < 1 || key.length > 15 || key.charCodeAt(0) === 46 || key.endsWith('.tmp')) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 95 || c === 45;
    if (!ok) return false;
  }
  return true;
}

export function createFileStore(dir: string): KeyValueStore {
  makeDirectory(dir);
  const pathOf = (key: string) => {
    // The same 15-character limit as NVS, so what works here works on the device.
    if (!isKey(key)) throw new BotError(ErrorCode.STORAGE, `bad store key ${key}`);
    return `${dir}/${key}`;
  };
  return Object.freeze({
    get(key: string): Uint8Array | undefined {
      const bytes = readFile(pathOf(key));
      return bytes === undefined ? undefined : new Uint8Array(bytes);
    },
    set(key: string, value: Uint8Array): void {
      writeFile(pathOf(key), value);
    },
    delete(key: string): void {
      deleteFile(pathOf(key));
    },
  });
}
