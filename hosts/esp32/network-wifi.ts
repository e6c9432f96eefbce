// Keeping an ESP32 online (device host layer, ESP32 only). Moddable's own start-up
// (setup/network, from the SDK's network manifest) joins the Wi-Fi named by the build's
// ssid/password and sets the clock from SNTP before main runs, as every Moddable app
// does. This module takes over from there: it watches the station and rejoins with
// backoff (1 s doubling to 60 s) whenever the link or the address is lost, makes sure
// the clock is set (the peer signs times and checks headers against the clock), then
// resolves the gateway's host name once. The MQTT client retries its own connection
// meanwhile, so a Wi-Fi outage only delays the outbox.

import Net from 'net';
import SNTP from 'sntp';
import Time from 'time';
import Timer from 'timer';
import WiFi from 'wifi';
import { type Log, LogLevel } from '../../src/ports/index.js';
import type { FirmwareSettings } from '../moddable/firmware-settings.js';

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** Any time before this is a clock that SNTP has not set (2023-01-03, Moddable's own test). */
const CLOCK_SET_AFTER = 1_672_722_071_000;

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => p.length > 0 && p.length <= 3 && Number(p) <= 255 && String(Number(p)) === p);
}

export function bringUpNetwork(settings: FirmwareSettings, log: Log, online: (address: string) => void): void {
  if (!settings.ssid) throw new Error('no Wi-Fi: build with ssid=… password=…');
  let retryMs = RETRY_MIN_MS;
  let rejoin: Timer | undefined;
  let done = false;

  const join = () => {
    rejoin = undefined;
    WiFi.connect(settings.password ? { ssid: settings.ssid, password: settings.password } : { ssid: settings.ssid });
  };

  // A monitor only (no options: it does not connect by itself); it lives as long as the firmware.
  new WiFi(undefined, (message) => {
    if (message === WiFi.gotIP) {
      retryMs = RETRY_MIN_MS;
      log(LogLevel.INFO, `Wi-Fi ${settings.ssid}: ${Net.get('IP')}`);
    } else if ((message === WiFi.disconnected || message === WiFi.lostIP) && rejoin === undefined) {
      log(LogLevel.WARN, `Wi-Fi ${settings.ssid} lost; rejoining in ${retryMs} ms`);
      rejoin = Timer.set(join, retryMs);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  });

  const resolve = () => {
    if (isIPv4(settings.gatewayHost)) {
      done = true;
      online(settings.gatewayHost);
      return;
    }
    Net.resolve(settings.gatewayHost, (_name: string, address?: string) => {
      if (done) return;
      if (address) {
        done = true;
        online(address);
      } else {
        log(LogLevel.WARN, `cannot resolve ${settings.gatewayHost}; retrying`);
        Timer.set(resolve, RETRY_MAX_MS / 4);
      }
    });
  };

  const setClock = () => {
    if (Date.now() > CLOCK_SET_AFTER) {
      resolve();
      return;
    }
    new SNTP({ host: settings.sntp }, (message: number, value?: number) => {
      if (message === SNTP.time && value !== undefined) {
        Time.set(value);
        log(LogLevel.INFO, `time ${new Date().toISOString()} from ${settings.sntp}`);
        resolve();
      } else if (message === SNTP.error) {
        log(LogLevel.WARN, `no time from ${settings.sntp}; retrying`);
        Timer.set(setClock, RETRY_MAX_MS / 4);
      }
    });
  };
  setClock();
}
