// "Bringing the device online" on Moddable's desktop simulators (device host layer):
// the computer is already on the network and its clock is set, so only the
// gateway's host name is needed; the simulators take it as an IPv4 address.

import type { Log } from '../../src/ports/index.js';
import type { FirmwareSettings } from '../moddable/firmware-settings.js';

export function bringUpNetwork(settings: FirmwareSettings, _log: Log, online: (address: string) => void): void {
  const address = settings.gatewayHost === 'localhost' ? '127.0.0.1' : settings.gatewayHost;
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => p !== '' && Number(p) >= 0 && Number(p) <= 255)) {
    throw new Error(`gateway must be an IPv4 address on this platform, not ${settings.gatewayHost}`);
  }
  online(address);
}
