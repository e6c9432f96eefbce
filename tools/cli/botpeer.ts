// The botpeer command line (tools layer, Node only): the dispatcher and the tool's help; each
// command is a file in commands/. Run it as `npx botpeer …` (the bin of the tools/cli
// workspace, linked by `npm install`), `npm run botpeer -- …` or `node tools/cli/botpeer.mjs …`
// (botpeer.mjs is a shim that registers tsx).
//
// Exit codes: 0 success, 1 failure (no chain, gateway unreachable, a rejected transaction,
// a chain that does not verify…), 2 wrong usage. Errors go to stderr as `botpeer: <message>`;
// expected errors never print a stack trace (BOTPEER_DEBUG=1 prints one for anything).

import { parseArgs } from 'node:util';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { CliError, UsageError } from './cli-support.js';
import { type Command, type CommandContext, COMMON_OPTIONS, DATA_HELP, type Options, type Values } from './commands/command.js';
import { COMMANDS } from './commands/index.js';

const commands: ReadonlyMap<string, Command> = new Map(COMMANDS.map((c) => [c.name, c]));

const out = (line: string) => void process.stdout.write(line + '\n');
const context: CommandContext = { crypto: createNativeCrypto(), out };

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: botpeer <command> [options]

botpeer runs and inspects a Blockchain-of-Things gateway peer, and simulates its devices.
In the repository, after \`npm install\`, run it as \`npx botpeer <command>\`.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

common options:
${DATA_HELP}
  -h, --help                help for the tool, or for a command: botpeer <command> --help`;
}

/**
 * parseArgs takes the `-1` of `--http-port -1` (which the help offers) for an option and
 * refuses it: a negative number after a string option is joined to it (`--http-port=-1`).
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    if (arg.startsWith('--') && options[arg.slice(2)]?.type === 'string' && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

/** Runs the command line; resolves to the exit code. Writes to stdout/stderr itself. */
export async function main(argv: readonly string[]): Promise<number> {
  const err = (line: string) => void process.stderr.write(line + '\n');
  const [name, ...args] = argv;
  if (name === undefined) {
    err(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = args[0];
    if (name === 'help' && topic !== undefined) {
      const command = commands.get(topic);
      if (!command) {
        err(`botpeer: unknown command ${JSON.stringify(topic)}\n\n${usage()}`);
        return 2;
      }
      out(command.help);
    } else out(usage());
    return 0;
  }
  const command = commands.get(name);
  if (!command) {
    err(`botpeer: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    let parsed;
    try {
      const options = { ...COMMON_OPTIONS, ...command.options };
      parsed = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message, name);
    }
    if (parsed.values.help) {
      out(command.help);
      return 0;
    }
    return await command.run(parsed.values as Values, parsed.positionals, context);
  } catch (error) {
    if (process.env.BOTPEER_DEBUG) err(String((error as Error).stack ?? error));
    if (error instanceof UsageError) {
      err(`botpeer: ${error.message}\n(see botpeer ${error.command ?? name} --help)`);
      return 2;
    }
    if (error instanceof CliError) {
      err(`botpeer: ${error.message}`);
      return 1;
    }
    // Not an expected failure: still one line, unless debugging.
    err(`botpeer: ${error instanceof Error ? error.message : String(error)}${process.env.BOTPEER_DEBUG ? '' : ' (BOTPEER_DEBUG=1 shows where)'}`);
    return 1;
  }
}

// `botpeer … | head` closes the pipe while botpeer still writes. Unix tools die quietly of
// SIGPIPE then; Node ignores that signal, so the write fails with EPIPE, which would surface
// as an uncaught error with a stack trace. Stop quietly and successfully instead.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/** Exits once stdout and stderr have been flushed (pipes to a parent process included). */
async function exit(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
  process.exit(code);
}

await exit(await main(process.argv.slice(2)));
