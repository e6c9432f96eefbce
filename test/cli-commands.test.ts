// The CLI's command registry (test layer): every file of tools/cli/commands is one
// registered command named after its file, with a help text that starts with its usage.

import test from 'ava';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../tools/cli/commands/index.js';

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
