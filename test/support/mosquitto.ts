// Starts a real Mosquitto broker for a test: its own config in a temporary directory, a listener
// on 127.0.0.1 at a free port (never the system's 1883), no persistence, no log file (the broker
// logs to stderr, kept in memory for error messages). Install it with
// `sudo bash tools/brokers/install-brokers.sh`.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, isExecutable } from '../../tools/support/executables.js';
import { freePort } from '../../tools/support/free-port.js';

export { freePort };

export const INSTALL_HINT = 'Mosquitto is not installed: run `sudo bash tools/brokers/install-brokers.sh`';

export interface MosquittoOptions {
  /** The mosquitto binary to run (default: findMosquitto()). */
  bin?: string;
  /** Outgoing QoS 1/2 messages in flight per client; 0 = unlimited (Mosquitto's default is 20). */
  maxInflightMessages?: number;
  /** QoS 1/2 messages queued per client beyond those in flight; 0 = unlimited (default 1000). */
  maxQueuedMessages?: number;
  /** Extra lines appended to the generated mosquitto.conf. */
  extraConfig?: string[];
  /** How long to wait for the port to accept connections, in ms (default 10 000). */
  startTimeoutMs?: number;
  /** Add `log_type debug` (every packet; slow, for diagnosing only). */
  debugLog?: boolean;
  /** Writes a whole configuration of its own for a listener on `port` (e.g. botpeer broker config's); returns its path. */
  configFile?: (port: number) => string;
}

export interface MosquittoBroker {
  /** mqtt://127.0.0.1:<port> */
  url: string;
  port: number;
  /** What the broker has logged so far (the last 64 KiB). */
  log(): string;
  /** Kills the broker and waits for it to exit; safe to call twice. */
  stop(): Promise<void>;
}

// Debian puts mosquitto in /usr/sbin, which is not on a non-root PATH; Homebrew uses its own sbin.
const USUAL_PATHS = [
  '/usr/sbin/mosquitto',
  '/usr/local/sbin/mosquitto',
  '/usr/bin/mosquitto',
  '/opt/homebrew/sbin/mosquitto',
  '/opt/homebrew/opt/mosquitto/sbin/mosquitto',
  '/usr/local/opt/mosquitto/sbin/mosquitto',
];

/** The mosquitto binary: $MOSQUITTO_BIN, else the first on PATH, else a usual install path; undefined if none. */
export function findMosquitto(): string | undefined {
  return findExecutable('MOSQUITTO_BIN', 'mosquitto', USUAL_PATHS);
}

export function mosquittoAvailable(): boolean {
  return findMosquitto() !== undefined;
}


function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Brokers still running when the test process exits are killed with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const LOG_LIMIT = 64 * 1024;

function configFor(port: number, options: MosquittoOptions): string {
  const inflight = options.maxInflightMessages ?? 0;
  const queued = options.maxQueuedMessages ?? 0;
  return [
    // Global settings (per_listener_settings stays false).
    'per_listener_settings false',
    'allow_anonymous true',
    'persistence false',
    'set_tcp_nodelay true',
    `max_inflight_messages ${inflight}`,
    `max_queued_messages ${queued}`,
    'max_queued_bytes 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    ...(options.debugLog ? ['log_type debug'] : []),
    'log_timestamp true',
    'connection_messages true',
    `listener ${port} 127.0.0.1`,
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
}

async function startOnce(bin: string, options: MosquittoOptions): Promise<MosquittoBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'botpeer-mosquitto-'));
  let configPath = join(dir, 'mosquitto.conf');
  if (options.configFile) configPath = options.configFile(port);
  else writeFileSync(configPath, configFor(port, options));

  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > LOG_LIMIT) log = log.slice(log.length - LOG_LIMIT);
  };
  const child = spawn(bin, ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      running.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) {
        running.delete(child);
        resolve();
      }
    });
  });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (exited === undefined && spawnError === undefined) {
        child.kill('SIGTERM');
        const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(killTimer);
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError !== undefined || exited !== undefined) {
      await stop();
      const why = spawnError
        ? `could not be started (${spawnError.message})`
        : `exited with ${exited?.signal ?? `code ${exited?.code}`}`;
      throw new MosquittoStartError(`mosquitto (${bin}) ${why} before listening on 127.0.0.1:${port}`, log, port);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new MosquittoStartError(`mosquitto (${bin}) did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`, log, port);
    }
    await sleep(25);
  }

  return { url: `mqtt://127.0.0.1:${port}`, port, log: () => log, stop };
}

export class MosquittoStartError extends Error {
  constructor(
    message: string,
    readonly brokerLog: string,
    readonly port: number,
  ) {
    super(`${message}\n--- mosquitto log ---\n${brokerLog.trim() || '(empty)'}`);
    this.name = 'MosquittoStartError';
  }
}

/**
 * Starts Mosquitto on a free loopback port and resolves once the port accepts TCP connections.
 * A port taken between finding it and the broker binding it is retried on a new port.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const bin = options.bin ?? findMosquitto();
  if (bin === undefined || !isExecutable(bin)) throw new Error(`${INSTALL_HINT} (no executable ${bin ?? 'mosquitto on PATH or in /usr/sbin'})`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, options);
    } catch (error) {
      const portTaken = error instanceof MosquittoStartError && /address already in use/i.test(error.brokerLog);
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}
