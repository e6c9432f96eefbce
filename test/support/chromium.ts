// Headless Chromium for the explorer's tests (test layer): Debian's `chromium`, driven by
// playwright-core (which fetches no browser of its own). Install it with
// `sudo bash tools/browser/install-chromium.sh`. Screenshots go to build/test-artifacts/.

import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const INSTALL_HINT = 'Chromium is not installed: run `sudo bash tools/browser/install-chromium.sh`';

const USUAL_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** $CHROMIUM_BIN, else a usual install path; undefined if none. */
export function findChromium(): string | undefined {
  const forced = process.env['CHROMIUM_BIN'];
  if (forced) return isExecutable(forced) ? forced : undefined;
  return USUAL_PATHS.find(isExecutable);
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(INSTALL_HINT);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; a container's small
  // /dev/shm would make it crash on big pages, hence --disable-dev-shm-usage.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
}

/** Where the tests keep screenshots (git-ignored). */
export function artifactPath(name: string): string {
  const dir = resolve('build', 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
