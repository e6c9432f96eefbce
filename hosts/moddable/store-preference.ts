// KeyValueStore over Moddable's Preference module (device host layer, every Moddable platform with Preference:
// the ESP32, the desktop simulators; x-cli-lin has none and keeps files). On an
// ESP32 Preference is ESP-IDF's NVS: a log-structured, wear-levelled store in its own
// flash partition that commits each key atomically, which is exactly the port's
// "a reboot sees the old value or the new one". NVS limits keys and domains to 15
// characters; the peer's keys are shorter (identity-store.ts).

import Preference from 'preference';
import type { KeyValueStore } from '../../src/ports/index.js';
import { BotError } from '../../src/errors/bot-error.js';
import { ErrorCode } from '../../src/errors/error-codes.js';

const MAX_NAME = 15;

export function createPreferenceStore(domain = 'botpeer'): KeyValueStore {
  if (domain.length < 1 || domain.length > MAX_NAME) throw new RangeError('preference domain must be 1..15 characters');
  const check = (key: string) => {
    if (key.length < 1 || key.length > MAX_NAME) throw new BotError(ErrorCode.STORAGE, `key ${key} longer than NVS allows`);
  };
  return Object.freeze({
    get(key: string): Uint8Array | undefined {
      check(key);
      const value = Preference.get(domain, key);
      return value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
    },
    set(key: string, value: Uint8Array): void {
      check(key);
      // Preference stores an ArrayBuffer whole: give it exactly the value's bytes.
      Preference.set(domain, key, value.slice().buffer);
    },
    delete(key: string): void {
      check(key);
      Preference.delete(domain, key);
    },
  });
}
