// The gateway's Prometheus metrics (tools layer, Node only, prom-client): every metric the
// gateway exports is declared here, in one registry per gateway (a test process may run
// several gateways, so nothing goes in prom-client's global registry).
//
// Counts the gateway already keeps (ingest's received/accepted/rejected, the pool, the
// height, the verify queue, broker clients) are read when Prometheus scrapes, through the
// `sources` callbacks, so the hot paths gain no work; only what nothing counted before
// (block interval, store write time, rate-limit verdicts) is observed where it happens.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSources {
  /** Ingest's counters (rejected: by error name). */
  readonly ingest: () => { received: number; accepted: number; rejected: Readonly<Record<string, number>> };
  readonly pending: () => number;
  readonly height: () => number;
  /** Signature checks sent to the verify workers and not answered yet. */
  readonly verifyQueue: () => number;
  /** MQTT clients connected to the embedded broker (undefined: an external broker, not known). */
  readonly brokerConnections: () => number | undefined;
  /** Transactions stored in blocks. */
  readonly transactions: () => number;
  /** HTTP reads waiting in the read queue. */
  readonly httpQueued: () => number;
  /** Nodes of the authenticated state held in memory (swept, smt-pruning.ts); undefined before the tree is built. */
  readonly stateNodes?: () => number | undefined;
}

export interface GatewayMetrics {
  readonly registry: Registry;
  /** A block was written at `height` with `txCount` transactions, `intervalMs` after the previous one. */
  block(txCount: number, intervalMs: number): void;
  /** Times one durable store write (`op`: commit_block, append_pending). */
  storeWrite<T>(op: string, write: () => T): T;
  /** A sender's transaction met the rate limiter's 'limited' or 'flood' verdict. */
  rateLimited(sender: string, verdict: 'limited' | 'flood'): void;
  /** Prometheus text format. */
  text(): Promise<string>;
  readonly contentType: string;
}

/** Counters read from a running total at scrape time: reset, then set to the total (monotonic because the source is). */
function setCounter(counter: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) counter.inc(labels, value);
  else counter.inc(value);
}

export function createGatewayMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];

  new Counter({
    name: 'botpeer_ingest_received_total', help: 'Transactions received on the up topic', registers,
    collect() {
      this.reset();
      setCounter(this, sources.ingest().received);
    },
  });
  new Counter({
    name: 'botpeer_ingest_accepted_total', help: 'Transactions admitted to the pool (durable, acknowledged)', registers,
    collect() {
      this.reset();
      setCounter(this, sources.ingest().accepted);
    },
  });
  new Counter({
    name: 'botpeer_ingest_rejected_total', help: 'Transactions rejected, by error code name', labelNames: ['code'], registers,
    collect() {
      this.reset();
      for (const [code, count] of Object.entries(sources.ingest().rejected)) setCounter(this, count, { code });
    },
  });
  new Gauge({ name: 'botpeer_pending_transactions', help: 'Admitted transactions not yet in a block', registers, collect() { this.set(sources.pending()); } });
  new Gauge({ name: 'botpeer_block_height', help: 'Height of the newest block', registers, collect() { this.set(sources.height()); } });
  new Counter({
    name: 'botpeer_ledger_transactions_total', help: 'Transactions stored in blocks', registers,
    collect() {
      this.reset();
      setCounter(this, sources.transactions());
    },
  });
  new Gauge({ name: 'botpeer_verify_queue_jobs', help: 'Signature checks waiting for or running in the verify workers', registers, collect() { this.set(sources.verifyQueue()); } });
  new Gauge({
    name: 'botpeer_broker_connections', help: 'MQTT clients connected to the embedded broker', registers,
    collect() {
      const n = sources.brokerConnections();
      if (n !== undefined) this.set(n);
    },
  });
  new Gauge({ name: 'botpeer_http_reads_queued', help: 'HTTP reads waiting for their turn', registers, collect() { this.set(sources.httpQueued()); } });
  new Gauge({
    name: 'botpeer_state_tree_nodes', help: 'Nodes of the authenticated state (sparse Merkle tree) held in memory', registers,
    collect() {
      const n = sources.stateNodes?.();
      if (n !== undefined) this.set(n);
    },
  });

  const blocks = new Counter({ name: 'botpeer_blocks_total', help: 'Blocks written since the gateway started', registers });
  const blockTxs = new Histogram({
    name: 'botpeer_block_transactions', help: 'Transactions per block', registers,
    buckets: [0, 1, 10, 100, 1000, 4096],
  });
  const blockInterval = new Histogram({
    name: 'botpeer_block_interval_seconds', help: 'Time between two consecutive blocks', registers,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30, 60],
  });
  const storeWrites = new Histogram({
    name: 'botpeer_store_write_seconds', help: 'Durable ledger writes (SQLite, fsync included)', labelNames: ['op'], registers,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  });
  const limited = new Counter({ name: 'botpeer_rate_limited_total', help: 'Transactions refused by the per-device rate limit, by verdict', labelNames: ['verdict'], registers });
  const limitedDevices = new Counter({ name: 'botpeer_rate_limited_devices_total', help: 'Distinct devices refused by the rate limit at least once since start', registers });
  // Device ids as a label would grow without bound; the set only dedupes, capped so a flood of fake ids cannot grow it.
  const limitedSeen = new Set<string>();
  const MAX_SEEN = 100_000;

  return {
    registry,
    contentType: registry.contentType,
    block(txCount, intervalMs) {
      blocks.inc();
      blockTxs.observe(txCount);
      if (intervalMs >= 0) blockInterval.observe(intervalMs / 1000);
    },
    storeWrite(op, write) {
      const end = storeWrites.startTimer({ op });
      try {
        return write();
      } finally {
        end();
      }
    },
    rateLimited(sender, verdict) {
      limited.inc({ verdict });
      if (!limitedSeen.has(sender) && limitedSeen.size < MAX_SEEN) {
        limitedSeen.add(sender);
        limitedDevices.inc();
      }
    },
    text: () => registry.metrics(),
  };
}
