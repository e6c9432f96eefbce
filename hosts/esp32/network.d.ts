// The "botpeer/hosts/esp32/network" module (device host layer): one per platform, chosen
// in the manifest: network-wifi.ts on an ESP32 (Wi-Fi, SNTP, DNS), network-online.ts on
// Moddable's desktop simulators. Both have this shape.

import type { Log } from '../../src/ports/index.js';
import type { FirmwareSettings } from '../moddable/firmware-settings.js';

/** Brings the device online, then calls `online` once with the gateway's IPv4 address. */
export function bringUpNetwork(settings: FirmwareSettings, log: Log, online: (address: string) => void): void;
