// Headless Chromium for the explorer's tests (test layer): Debian's `chromium`, driven by
// playwright-core (which fetches no browser of its own). Install it with
// `sudo bash tools/browser/install-chromium.sh`. Screenshots go to build/test-artifacts/.

import test from 'ava';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { findExecutable } from '../../tools/support/executables.js';

export const INSTALL_HINT = 'Chromium is not installed: run `sudo bash tools/browser/install-chromium.sh`';

const USUAL_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'];

/** $CHROMIUM_BIN, else chromium on PATH, else a usual install path; undefined if none. */
export function findChromium(): string | undefined {
  return findExecutable('CHROMIUM_BIN', 'chromium', USUAL_PATHS);
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

/**
 * The browser tests' gate, for a test file to call once: its tests run serially, and are skipped
 * (with `skipNote` in their titles) without Chromium, except under CI, where a test fails to say
 * that .ci/run did not install it.
 */
export function browserTests(): { readonly browserTest: typeof test.serial; readonly skipNote: string } {
  const ci = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());
  const available = findChromium() !== undefined;
  if (!available && ci) {
    test('chromium is installed (required under CI)', (t) => {
      t.fail(`${INSTALL_HINT} — .ci/run must call tools/browser/install-chromium.sh before the tests`);
    });
  }
  return { browserTest: available ? test.serial : (test.skip as unknown as typeof test.serial), skipNote: available ? '' : ` (skipped: ${INSTALL_HINT})` };
}
