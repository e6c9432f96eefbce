// What a botpeer subcommand is (tools layer, Node only): its name, a one-line summary for
// `botpeer --help`, its own help text, its options (node:util parseArgs) and run(). One file
// per command in this folder; index.ts lists them. Also the helpers the commands share to
// read their options.

import type { ParseArgsConfig } from 'node:util';
import type { CryptoProvider } from '../../../src/index.js';
import { RequestError } from '../../gateway/ledger-json.js';
import { DEFAULT_DATA_DIR, UsageError } from '../cli-support.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command gets besides its arguments: the crypto provider and where its output goes. */
export interface CommandContext {
  readonly crypto: CryptoProvider;
  /** Writes one line to stdout. */
  readonly out: (line: string) => void;
}

export interface Command {
  /** What the user types after `botpeer`. */
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /** The command's own options; --data and --help are added to every command. */
  readonly options: Options;
  /** Resolves to the exit code; throws UsageError (exit 2) or CliError (exit 1) for expected failures. */
  run(values: Values, positionals: string[], context: CommandContext): Promise<number>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Options = {
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export const DATA_HELP = `  --data DIR                the chain's data folder (default ${DEFAULT_DATA_DIR} in the current directory)`;

export const dataOf = (values: Values) => (values.data as string | undefined) ?? DEFAULT_DATA_DIR;
export const str = (values: Values, name: string) => values[name] as string | undefined;

/** The options of a command that sends transactions to a running gateway (`device`, `contract`). */
export const GATEWAY_CLIENT_OPTIONS: Options = {
  broker: { type: 'string' },
  http: { type: 'string' },
  seq: { type: 'string' },
  timeout: { type: 'string' },
};

/** GATEWAY_CLIENT_OPTIONS' values, with the data folder. */
export const gatewayClientOf = (values: Values) => ({
  data: dataOf(values), broker: str(values, 'broker'), http: str(values, 'http'), seq: str(values, 'seq'), timeout: str(values, 'timeout'),
});

/** The options of a simulated fleet, shared by `start` and `sim`. */
export const FLEET_OPTIONS: Options = {
  devices: { type: 'string' },
  interval: { type: 'string' },
  batch: { type: 'string' },
  outbox: { type: 'string' },
  duration: { type: 'string' },
  'fleet-dir': { type: 'string' },
  'no-fsync': { type: 'boolean' },
  democracy: { type: 'boolean' },
};
export const fleetValues = (values: Values) => ({
  devices: str(values, 'devices'), interval: str(values, 'interval'), batch: str(values, 'batch'), outbox: str(values, 'outbox'),
  duration: str(values, 'duration'), fleetDir: str(values, 'fleet-dir'), noFsync: values['no-fsync'] === true,
  democracy: values.democracy === true,
});

export function noPositionals(positionals: readonly string[], command: string): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, command);
}

export function onePositional(positionals: readonly string[], command: string, what: string): string {
  if (positionals.length === 0) throw new UsageError(`give ${what}`, command);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`, command);
  return positionals[0]!;
}

/** Parses a positional with the HTTP API's parser; its RequestError becomes a usage error. */
export function inputOf<T>(parse: () => T, command: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof RequestError) throw new UsageError(error.message, command);
    throw error;
  }
}
