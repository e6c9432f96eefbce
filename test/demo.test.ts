// The README's run command works: the in-process demo makes every batch final.

import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('npm start runs the protocol end to end', async (t) => {
  const { stdout } = await run(process.execPath, ['--import=tsx', 'tools/demo/core-demo.ts', '--devices', '4', '--blocks', '3']);
  t.regex(stdout, /done: 12\/12 batches final/);
});

test('bad arguments get a clear error and exit code 2', async (t) => {
  const error = await t.throwsAsync(run(process.execPath, ['--import=tsx', 'tools/demo/core-demo.ts', '--devices', 'many']));
  t.regex(String((error as { stderr?: string }).stderr), /--devices must be an integer/);
  t.is((error as { code?: number }).code, 2);
});
