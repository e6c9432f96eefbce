// Type-checks the device code (hosts/moddable, every Moddable platform folder beside it,
// hosts/sensors-sim, modules/) and the Moddable test apps (test/moddable/apps, which the Node
// typecheck excludes) against the Moddable SDK's own typings, which live outside the repo: hosts/moddable/tsconfig.json,
// completed here with $MODDABLE's typings. Skips, saying why, without $MODDABLE.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, moddableMissing } from './moddable/moddable-app.js';

const missing = moddableMissing();
const moddableTest = missing ? test.skip : test;

moddableTest(missing ? `device code type-checks with Moddable's typings (skipped: ${missing})` : "device code type-checks with Moddable's typings", (t) => {
  const moddable = process.env.MODDABLE!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'botpeer-tsc-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'tsconfig.json');
  fs.writeFileSync(config, JSON.stringify({
    extends: path.join(REPO, 'hosts/moddable/tsconfig.json'),
    compilerOptions: { noEmit: true, skipLibCheck: true },
    include: [
      path.join(REPO, 'hosts/*/**/*.ts'),
      path.join(REPO, 'modules/**/*.ts'),
      path.join(REPO, 'test/moddable/apps/**/*.ts'),
      path.join(moddable, 'typings/**/*.d.ts'),
      path.join(moddable, 'xs/includes/xs.d.ts'),
    ],
    exclude: [path.join(REPO, 'hosts/desktop/**'), path.join(REPO, 'hosts/node/**'), path.join(REPO, 'modules/mqtt-packet/bundle.ts')],
  }));
  const tsc = spawnSync(path.join(REPO, 'node_modules/.bin/tsc'), ['-p', config], { encoding: 'utf8' });
  t.is(tsc.status, 0, tsc.stdout + tsc.stderr);
});
