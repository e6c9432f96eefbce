// A local N-node nats-server cluster (tools layer) for the consortium's tests, `botpeer start
// --members` and the benchmark: each node gets free loopback ports (client, cluster routes, MQTT
// listener, HTTP monitor), its own JetStream store dir and a generated config; readiness is the
// monitor's /jsz naming a JetStream meta leader, polled, never a fixed sleep.
// Install nats-server with `sudo bash tools/brokers/install-brokers.sh` (Debian's 2.9.10).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { findExecutable, isExecutable } from '../support/executables.js';
import { freePort } from '../support/free-port.js';

export const NATS_INSTALL_HINT = 'nats-server is not installed: run `sudo bash tools/brokers/install-brokers.sh`';

// Debian installs nats-server in /usr/sbin, which is not on a non-root PATH.
const USUAL_PATHS = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server', '/opt/homebrew/bin/nats-server'];

/** $NATS_SERVER_BIN, else nats-server on PATH, else a usual install path; undefined if none. */
export function findNatsServer(): string | undefined {
  return findExecutable('NATS_SERVER_BIN', 'nats-server', USUAL_PATHS);
}

export interface NatsClusterOptions {
  /** Number of nodes (default 3). */
  nodes?: number;
  /** Parent directory for the per-node config and JetStream store (created if missing). */
  dir: string;
  /** Receives every line the servers print, prefixed with the node name. */
  log?: (line: string) => void;
  /** The nats-server binary (default findNatsServer()). */
  bin?: string;
  /** JetStream limits per node, small enough for a shared test machine (defaults 64 MiB memory, 1 GiB file). */
  maxMemoryBytes?: number;
  maxFileBytes?: number;
  /** How long to wait for the cluster to be ready, in ms (default 30 000). */
  readyTimeoutMs?: number;
  /** Cluster name (default botpeer). */
  name?: string;
}

export interface NatsNode {
  readonly name: string;
  /** The running process's pid; undefined while the node is down. */
  readonly pid: number | undefined;
  readonly url: string;
  readonly mqttUrl: string;
  readonly monitorUrl: string;
  /** SIGKILLs the node and waits for the process to be gone. */
  kill9(): Promise<void>;
  /** Starts the node again (same ports, config and store) and waits until it sees a meta leader (it may still be catching up). */
  restart(): Promise<void>;
  /** The last 64 KiB the node printed. */
  log(): string;
}

export interface NatsCluster {
  /** nats://127.0.0.1:<port>, one per node. */
  readonly urls: string[];
  /** mqtt://127.0.0.1:<port>, one per node (the nodes' MQTT listeners). */
  readonly mqttUrls: string[];
  readonly size: number;
  node(index: number): NatsNode;
  /** Stops every node (SIGTERM, SIGKILL after 5 s); safe to call twice. */
  close(): Promise<void>;
}

export class NatsStartError extends Error {
  constructor(message: string, readonly serverLog: string) {
    super(`${message}\n--- nats-server log ---\n${serverLog.trim().slice(-4000) || '(empty)'}`);
    this.name = 'NatsStartError';
  }
}


// Servers still running when this process exits die with it.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

interface Ports {
  client: number;
  cluster: number;
  mqtt: number;
  http: number;
}

const MIB = 1024 * 1024;
const LOG_LIMIT = 64 * 1024;

function configFor(name: string, clusterName: string, storeDir: string, own: Ports, all: Ports[], options: NatsClusterOptions): string {
  const routes = all.filter((p) => p !== own).map((p) => `nats-route://127.0.0.1:${p.cluster}`);
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${own.client}`,
    `http: 127.0.0.1:${own.http}`,
    // Leave room for a 5120-byte wire plus headers and protocol overhead.
    'max_payload: 65536',
    'jetstream {',
    `  store_dir: ${JSON.stringify(storeDir)}`,
    `  max_memory_store: ${options.maxMemoryBytes ?? 64 * MIB}`,
    `  max_file_store: ${options.maxFileBytes ?? 1024 * MIB}`,
    '}',
    'cluster {',
    `  name: ${clusterName}`,
    `  listen: 127.0.0.1:${own.cluster}`,
    ...(routes.length > 0 ? [`  routes: [${routes.join(', ')}]`] : []),
    '}',
    // MQTT needs server_name and JetStream: sessions, retained and QoS-1 messages are streams
    // ($MQTT_sess, $MQTT_rmsgs, $MQTT_msgs). Their replica count is fixed here, because 2.9.10
    // otherwise picks min(3, peers it knows when the first MQTT client connects), which can be 2
    // in a 3-node cluster — and an R2 stream stops with either of its nodes.
    'mqtt {',
    `  listen: 127.0.0.1:${own.mqtt}`,
    `  stream_replicas: ${Math.min(3, all.length)}`,
    '}',
    '',
  ].join('\n');
}

/** GET a monitor endpoint: status code and body, or undefined when nothing answers. */
function httpGet(url: string, timeoutMs = 1000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolveGet) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolveGet(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveGet(undefined));
    req.end();
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Node implements NatsNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  private output = '';
  private closing = false;

  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly configPath: string,
    private readonly ports: Ports,
    private readonly options: NatsClusterOptions,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }
  get url(): string {
    return `nats://127.0.0.1:${this.ports.client}`;
  }
  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.ports.mqtt}`;
  }
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }
  log(): string {
    return this.output;
  }

  spawn(): void {
    installExitHook();
    this.exitInfo = undefined;
    const child = spawn(this.bin, ['-c', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output += text;
      if (this.output.length > LOG_LIMIT) this.output = this.output.slice(-LOG_LIMIT);
      if (!this.options.log) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.options.log(`[${this.name}] ${line}`);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = signal ?? `code ${code}`;
        running.delete(child);
        resolveExit();
      });
      child.once('error', (error) => {
        this.exitInfo = `spawn error ${error.message}`;
        if (child.pid === undefined) {
          running.delete(child);
          resolveExit();
        }
      });
    });
  }

  /**
   * Ready = the monitor's /jsz names a JetStream meta leader: the node is in the cluster and can
   * serve JetStream. Not /healthz, which also wants every stream on the node current: a node
   * restarted while another is still down would never pass it (a stream without quorum stays
   * behind), and catching up is what callers want to observe, not to wait for here.
   */
  async waitHealthy(deadline: number): Promise<void> {
    for (;;) {
      if (this.exitInfo !== undefined) throw new NatsStartError(`${this.name} exited (${this.exitInfo}) before it was ready`, this.output);
      const res = await httpGet(`${this.monitorUrl}/jsz`);
      let leader: unknown;
      try {
        leader = res?.status === 200 ? (JSON.parse(res.body) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader : undefined;
      } catch {
        leader = undefined;
      }
      if (typeof leader === 'string' && leader !== '') return;
      if (Date.now() > deadline) {
        throw new NatsStartError(`${this.name} did not see a JetStream meta leader in time (last /jsz: ${res ? `${res.status} ${res.body.trim().slice(0, 300)}` : 'no answer'})`, this.output);
      }
      await pause(50);
    }
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exitInfo !== undefined) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }

  async restart(): Promise<void> {
    if (this.closing) throw new Error(`${this.name}: cluster is closed`);
    if (this.child !== undefined && this.exitInfo === undefined) throw new Error(`${this.name} is still running`);
    this.spawn();
    await this.waitHealthy(Date.now() + (this.options.readyTimeoutMs ?? 30_000));
  }

  async stop(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (child === undefined || this.exitInfo !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `nodes` nats-servers as one cluster with JetStream and an MQTT listener each, and
 * resolves once every node knows the JetStream meta leader. A port taken between picking and binding is retried
 * with new ports (up to 3 times).
 */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const bin = options.bin ?? findNatsServer();
  if (bin === undefined || !isExecutable(bin)) throw new Error(`${NATS_INSTALL_HINT} (no executable ${bin ?? 'nats-server on PATH or in /usr/sbin'})`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, options);
    } catch (error) {
      const portTaken = error instanceof NatsStartError && /address already in use/i.test(error.serverLog);
      if (!portTaken || attempt >= 3) throw error;
    }
  }
}

async function startOnce(bin: string, options: NatsClusterOptions): Promise<NatsCluster> {
  const count = options.nodes ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`nodes must be a positive integer, got ${count}`);
  const root = resolve(options.dir);
  const clusterName = options.name ?? 'botpeer';
  const ports: Ports[] = [];
  // Picked all at once (each bound and released in turn) so that no two nodes get the same port.
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) {
    const take = async () => {
      for (;;) {
        const port = await freePort();
        if (!picked.has(port)) {
          picked.add(port);
          return port;
        }
      }
    };
    ports.push({ client: await take(), cluster: await take(), mqtt: await take(), http: await take() });
  }
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++) {
    const name = `n${i}`;
    const nodeDir = join(root, name);
    const storeDir = join(nodeDir, 'jetstream');
    mkdirSync(storeDir, { recursive: true });
    const configPath = join(nodeDir, 'nats-server.conf');
    writeFileSync(configPath, configFor(name, clusterName, storeDir, ports[i]!, ports, options));
    nodes.push(new Node(name, bin, configPath, ports[i]!, options));
  }
  const close = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (const node of nodes) node.spawn();
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    await Promise.all(nodes.map((n) => n.waitHealthy(deadline)));
  } catch (error) {
    await close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    urls: nodes.map((n) => n.url),
    mqttUrls: nodes.map((n) => n.mqttUrl),
    size: count,
    node(index: number): NatsNode {
      const node = nodes[index];
      if (node === undefined) throw new RangeError(`no node ${index} (cluster of ${count})`);
      return node;
    },
    close: () => (closed ??= close()),
  };
}
