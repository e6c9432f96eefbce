// Finding the external programs the tools and tests run (tools layer): nats-server, Mosquitto,
// Chromium. Each is looked up the same way: an environment variable naming the binary wins,
// then PATH, then the places packages usually install it (Debian's /usr/sbin is not on a
// non-root PATH).

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$envVar` if set (undefined when it is not executable), else `name` on PATH, else the first usual path that is executable. */
export function findExecutable(envVar: string, name: string, usualPaths: readonly string[]): string | undefined {
  const forced = process.env[envVar];
  if (forced) return isExecutable(forced) ? forced : undefined;
  const onPath = (process.env['PATH'] ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name));
  return [...onPath, ...usualPaths].find(isExecutable);
}
