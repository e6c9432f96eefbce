// The CLI's command registry (test layer): every file of tools/cli/commands is one
// registered command named after its file, with a help text that starts with its usage;
// and how the dispatcher reads option values.

import test from 'ava';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../tools/cli/commands/index.js';
import { runBotpeer } from './support/run-botpeer.js';

const DIR = fileURLToPath(new URL('../tools/cli/commands/', import.meta.url));

test('one file per command, each registered once under its file name', (t) => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && f !== 'command.ts' && f !== 'index.ts').map((f) => f.slice(0, -3));
  t.deepEqual(COMMANDS.map((c) => c.name).sort(), files.sort());
  for (const command of COMMANDS) {
    t.regex(command.help, new RegExp(`^usage: botpeer ${command.name}\\b`), command.name);
    t.true(command.summary.length > 0 && !command.summary.includes('\n'), command.name);
    t.false('data' in command.options || 'help' in command.options, `${command.name}: --data and --help are common options`);
  }
});

test('a negative number after a string option is its value: --http-port -1 as the help offers', async (t) => {
  // Validation stops at --mqtt-port, so nothing starts: the point is that -1 was taken as --http-port's value.
  const run = await runBotpeer(['gateway', '--data', 'no-such-folder', '--http-port', '-1', '--mqtt-port', 'abc']);
  t.is(run.code, 2);
  t.regex(run.stderr, /^botpeer: --mqtt-port must be an integer/);
  const tooLow = await runBotpeer(['gateway', '--data', 'no-such-folder', '--http-port', '-5']);
  t.regex(tooLow.stderr, /^botpeer: --http-port must be an integer from -1 to 65535, got "-5"/);
});
