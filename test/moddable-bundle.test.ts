// The firmware's generated copy of mqtt-packet (modules/mqtt-packet/mqtt-packet.js) must
// match what modules/mqtt-packet/bundle.ts makes from the installed mqtt-packet and the
// core's shims, so a dependency bump or a shim change cannot leave the device on stale
// code. Runs on Node (no Moddable needed).

import test from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './moddable/moddable-app.js';

test('modules/mqtt-packet/mqtt-packet.js is current', async (t) => {
  const run = promisify(execFile);
  const { stdout } = await run(path.join(REPO, 'node_modules/.bin/tsx'), [path.join(REPO, 'modules/mqtt-packet/bundle.ts'), '--check'], { cwd: REPO });
  t.regex(stdout, /is current/);
});

test('the bundle imports the shims by their firmware names and never requires at run time', (t) => {
  const text = fs.readFileSync(path.join(REPO, 'modules/mqtt-packet/mqtt-packet.js'), 'utf8');
  for (const shim of ['buffer-shim', 'events-shim', 'buffer-list-shim']) {
    t.regex(text, new RegExp(`^import \\{[^}]+\\} from "botpeer/src/mqtt/client/${shim}";$`, 'm'));
  }
  // esbuild's dynamic-require fallback would throw under XS, which has no `require`.
  t.notRegex(text, /__require\("/);
  t.regex(text, /^export \{\s*\w+ as default\s*\};?$/m);
});
