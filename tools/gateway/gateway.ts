// The gateway peer's composition root (tools layer): the only place that wires
// store, broker, verify workers, ingest, block producer, queries and HTTP.
// On start it recovers from the ledger: committed state from the last block,
// then every durable-but-unblocked transaction back into the pool, in order.

import {
  BlockReason, type CryptoProvider, LedgerState, TxKind, applyTx, blockReportBody, bytesToHex, chainTopics,
  decodeTx, encodeTx, equalBytes, genesisHash, hexToBytes, keyId, restartBlockQuotas, signTx,
} from '../../src/index.js';
import type { Bus } from './bus.js';
import { startAedesBus } from './bus-aedes.js';
import { startMqttBus } from './bus-mqtt.js';
import { ConnectGuard } from './connect-guard.js';
import { ContractSandbox, type ContractSandboxOptions } from './contract-sandbox/contract-sandbox.js';
import { DeployedHost } from './contract-sandbox/deployed-host.js';
import { BlockProducer, DEFAULT_PRODUCER_OPTIONS, type ProducerOptions, blockOfPoolPosition } from './block-producer.js';
import { createNativeCrypto } from '../../hosts/node/crypto-secp256k1-node.js';
import { type ChainFiles, loadChain } from './data-dir.js';
import { startHttpApi, type HttpApi } from './http-api.js';
import { Ingest, type PoolEntry } from './ingest.js';
import type { LedgerStore } from './ledger-store.js';
import { type GatewayMetrics, createGatewayMetrics } from './metrics.js';
import { rejectedByName } from './ledger-json.js';
import { Queries } from './queries.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits, type RateVerdict } from './rate-limiter.js';
import { openInOrder } from './open-in-order.js';
import { openSqliteStore } from './store-sqlite.js';
import { restoreCommittedState } from './restore-state.js';
import { createVerifyPool } from './verify-pool.js';

export interface GatewayOptions {
  readonly dataDir: string;
  /** Embedded broker address; port 0 picks a free one. */
  readonly mqttHost?: string;
  readonly mqttPort?: number;
  /** An external broker (mqtt://[user:password@]host:port) instead of the embedded one. */
  readonly brokerUrl?: string;
  /** Where devices connect to that broker, when not at brokerUrl (Mosquitto's devices listener, `botpeer broker config`). */
  readonly brokerDevicesUrl?: string;
  readonly httpHost?: string;
  /** Port 0 picks a free one; undefined or -1 turns HTTP off. */
  readonly httpPort?: number;
  readonly producer?: Partial<ProducerOptions>;
  readonly rateLimits?: Partial<RateLimits>;
  readonly verifyWorkers?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Limits of the deployed contracts' sandbox (every member of a chain must use the same). */
  readonly sandbox?: ContractSandboxOptions;
}

export interface Gateway {
  readonly chain: ChainFiles;
  readonly mqttUrl: string;
  readonly httpUrl: string | undefined;
  readonly store: LedgerStore;
  readonly ingest: Ingest;
  readonly producer: BlockProducer;
  readonly metrics: GatewayMetrics;
  /** Runs deployed contracts (admission, queries). */
  readonly deployed: DeployedHost;
  /** Calls `listener` after each block is written; returns the unsubscribe function. */
  onBlock(listener: (block: BlockEvent) => void): () => void;
  /** Committed state plus the pool: what the next transaction is checked against. */
  working(): LedgerState;
  /** OS thread ids of the signature-verification workers (Linux; empty elsewhere), for CPU accounting. */
  verifyThreadIds(): number[];
  close(): Promise<void>;
}

/** What the explorer's live stream says about a new block. */
export interface BlockEvent {
  readonly height: number;
  readonly txCount: number;
}

export function startGateway(options: GatewayOptions): Promise<Gateway> {
  return openInOrder((opened) => assemble(options, opened));
}

async function assemble(options: GatewayOptions, opened: (() => unknown)[]): Promise<Gateway> {
  const crypto: CryptoProvider = createNativeCrypto();
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const chain = loadChain(crypto, options.dataDir);
  const { genesis, chainId } = chain;
  const topics = chainTopics(chainId);
  // Metrics read the parts below when scraped (all assigned by then).
  const metrics = createGatewayMetrics({
    ingest: () => ({ ...ingest.stats, rejected: rejectedByName(ingest.stats.rejected) }),
    pending: () => producer.pendingCount,
    height: () => producer.height,
    verifyQueue: () => pool.queuedJobs(),
    brokerConnections: () => bus.connections?.(),
    transactions: () => store.txCount(),
    httpQueued: () => http?.queuedReads() ?? 0,
    stateNodes: () => producer.committedState().stateTreeStats()?.nodes,
  });
  const store = timedStore(openSqliteStore(chain.ledgerPath), metrics);
  opened.push(() => store.close());

  let http: HttpApi | undefined;
  const latestBlock = store.latestBlock();
  // Every leaf as stored, checked against the newest header's stateRoot.
  const committed = restoreCommittedState(crypto, genesis, store);
  const latest = latestBlock
    ? { height: latestBlock.height, hash: latestBlock.hash, time: latestBlock.time }
    : { height: 0, hash: genesisHash(crypto, genesis), time: genesis.time };
  const deployed = new DeployedHost(crypto, new ContractSandbox(options.sandbox));
  opened.push(() => deployed.close());
  // Deployed contracts' calls are run again on the state they now follow (their effects are not stored).
  const producerOptions = { ...DEFAULT_PRODUCER_OPTIONS, ...options.producer };
  const stored: PoolEntry[] = store.pending().map((p) => ({ tx: decodeTx(p.wire), wire: p.wire, id: p.txId }));
  const blockOfStored = (position: number) => blockOfPoolPosition(latest.height, position, producerOptions.maxBlockTxs);
  const recovered = await readmit(crypto, deployed, committed, stored, blockOfStored, Math.floor(now() / 1000), log);
  const pending: PoolEntry[] = recovered.pool;
  let working = recovered.working;
  if (recovered.dropped > 0) {
    // A block moves the oldest pending rows of the store into the ledger: the store's pending
    // pool must be exactly the producer's, in order (one atomic write: the kept rows survive a crash).
    const kept = new Set(pending.map((e) => bytesToHex(e.id)));
    store.dropPending(store.pending().filter((p) => kept.has(bytesToHex(p.txId))));
  }
  log(`chain ${bytesToHex(chainId)}: height ${latest.height}, ${pending.length} pending transactions recovered`);

  // A gateway signs with its key while that key is in the current set (GOVERN changes it, §5.8.2). One
  // that left it still serves its ledger; its producer says so and makes no block.
  if (!committed.validators()!.keys.some((k) => equalBytes(k, chain.gatewayKey.publicKey))) {
    const key = bytesToHex(chain.gatewayKey.publicKey);
    if (!latestBlock) throw new Error(`this gateway key ${key} is not in the genesis validator set`);
    log(`this gateway key ${key} is not in the chain's current validator set: it is no longer a validator and produces no blocks`);
  }
  const gatewayId = keyId(crypto, chain.gatewayKey.publicKey);
  // Devices (and the operator's tools) prove their key at CONNECT (docs/protocol.md §9.6).
  const guard = new ConnectGuard({ crypto, chainId, working: () => working, now });

  const isBlocked = (clientId: string) => /^[0-9a-f]{16}$/.test(clientId) && working.blockEntry(hexToBytes(clientId)) !== undefined;
  const bus: Bus = options.brokerUrl
    ? await startMqttBus({ url: options.brokerUrl, clientId: `botpeer-gw-${bytesToHex(gatewayId)}`, ...(options.brokerDevicesUrl ? { devicesUrl: options.brokerDevicesUrl } : {}) })
    : await startAedesBus({
        host: options.mqttHost ?? '127.0.0.1',
        port: options.mqttPort ?? 1883,
        chainHex: bytesToHex(chainId),
        isBlocked,
        authenticate: (clientId, username, password) => guard.check(clientId, username, password),
        log,
      });
  opened.push(() => bus.close());

  const blockListeners = new Set<(block: BlockEvent) => void>();
  let lastBlockAt: number | undefined;
  const pool = createVerifyPool({ chainId, ...(options.verifyWorkers ? { workers: options.verifyWorkers } : {}) });
  opened.push(() => pool.close());
  const producer = new BlockProducer(
    {
      crypto, chainId, topics, store, bus, now,
      validators: genesis.validators,
      keys: [chain.gatewayKey],
      ...(chain.operatorKey ? { operatorPrivateKey: chain.operatorKey.privateKey } : {}),
      onBlock: (height, count) => {
        // What is left in the pool goes into the next block: the working state's quotas count only that.
        restartBlockQuotas(working, producer.poolEntries().map((e) => e.tx));
        const at = now();
        metrics.block(count, lastBlockAt === undefined ? -1 : at - lastBlockAt);
        lastBlockAt = at;
        log(`block ${height}: ${count} transactions`);
        for (const listener of blockListeners) {
          try {
            listener({ height, txCount: count });
          } catch {
            // a listener (an explorer stream) failing must not stop the producer
          }
        }
      },
      onError: (error) => log(`block not written, will retry: ${String(error)}`),
      onHalt: (reason) => log(`block production stopped: ${reason}`),
      hold: () => ingest.holding,
    },
    producerOptions,
    committed,
    latest,
    pending,
  );

  const reported = new Set<string>();
  const ingest: Ingest = new Ingest({
    crypto, topics, store, bus, now, deployed,
    blockOf: (admittedBefore) => blockOfPoolPosition(producer.height, producer.pendingCount + admittedBefore, producerOptions.maxBlockTxs),
    working: () => working,
    check: (jobs) => pool.check(jobs),
    rate: new CountedRateLimiter({ ...DEFAULT_RATE_LIMITS, ...options.rateLimits }, metrics),
    onAdmitted: (entries) => {
      producer.add(entries);
      for (const { tx } of entries) {
        // A device reported on this gateway's ledger is cut off at once (embedded broker).
        if (tx.kind === TxKind.BLOCK_REPORT) bus.disconnect(bytesToHex((tx.body as Uint8Array[])[0]!));
      }
    },
    onFlood: (sender) => {
      const hex = bytesToHex(sender);
      if (reported.has(hex) || working.blockEntry(sender)) return;
      reported.add(hex);
      const self = working.account(gatewayId)!;
      const report = signTx(crypto, chainId, { kind: TxKind.BLOCK_REPORT, sender: gatewayId, seq: self.lastSeq + 1, time: Math.floor(now() / 1000), body: blockReportBody(sender, BlockReason.FLOOD) }, chain.gatewayKey.privateKey);
      log(`reporting ${hex} for flooding`);
      ingest.handle(encodeTx(report), undefined);
    },
    onStorageFailure: (error) => {
      log(`ledger write failed, nothing acknowledged: ${String(error)}`);
      working = rebuildWorking(crypto, producer.committedState(), producer.poolEntries());
    },
  });
  const queries = new Queries({ crypto, chainId, topics, store, bus, genesisValidators: genesis.validators, committed: () => producer.committedState(), checkpoint: () => producer.latestCheckpoint() });

  await bus.onMessage(topics.up, (_topic, payload, clientId) => ingest.handle(payload, clientId));
  await bus.onMessage(topics.allRequests, (topic, payload) => queries.handle(topic, payload));
  producer.start();
  opened.push(() => producer.stop());

  const onBlock = (listener: (block: BlockEvent) => void) => {
    blockListeners.add(listener);
    return () => void blockListeners.delete(listener);
  };
  if (options.httpPort !== undefined && options.httpPort >= 0) {
    http = await startHttpApi({
      crypto, chain, store, mqttUrl: bus.url, host: options.httpHost ?? '127.0.0.1', port: options.httpPort,
      status: () => ({ height: producer.height, pending: producer.pendingCount, ingest: ingest.stats }),
      working: () => working, committed: () => producer.committedState(), checkpoint: () => producer.latestCheckpoint(), metrics, onBlock,
      deployed, height: () => producer.height,
    });
  }

  return {
    chain, store, ingest, producer, metrics, onBlock, deployed,
    mqttUrl: bus.url,
    httpUrl: http?.url,
    working: () => working,
    verifyThreadIds: () => pool.threadIds(),
    async close() {
      producer.stop();
      await ingest.drain();
      await http?.close();
      await bus.close();
      await pool.close();
      await deployed.close();
      store.close();
    },
  };
}

/** The store with its durable writes timed for /metrics. */
function timedStore(store: LedgerStore, metrics: GatewayMetrics): LedgerStore {
  return {
    ...store,
    appendPending: (txs) => metrics.storeWrite('append_pending', () => store.appendPending(txs)),
    commitBlock: (block, changes) => metrics.storeWrite('commit_block', () => store.commitBlock(block, changes)),
  };
}

/** The rate limiter, its refusals counted for /metrics. */
class CountedRateLimiter extends RateLimiter {
  constructor(limits: RateLimits, private readonly metrics: GatewayMetrics) {
    super(limits);
  }

  override take(sender: string, now: number): RateVerdict {
    const verdict = super.take(sender, now);
    if (verdict !== 'ok') this.metrics.rateLimited(sender, verdict);
    return verdict;
  }
}

/** Committed state with every pooled transaction applied again, in pool order (with the effects computed at admission). */
function rebuildWorking(crypto: CryptoProvider, committed: LedgerState, pool: readonly PoolEntry[]): LedgerState {
  const working = committed.clone();
  for (const { tx, effects } of pool) applyTx(crypto, working, tx, 0, effects);
  return working;
}

/**
 * The recovered pool on the committed state, in order: deployed contracts' transactions are run in
 * the sandbox again (a restart re-runs them; `blockOf(n)` is the block the pool's entry n will be in). One whose run
 * is now refused (it cannot be, unless the sandbox or the stored state changed) is left out of the
 * pool, and of the store's pending pool, and said. A failure of the sandbox itself (twice) throws.
 */
async function readmit(
  crypto: CryptoProvider, deployed: DeployedHost, committed: LedgerState, pool: readonly PoolEntry[], blockOf: (ahead: number) => number, nowSeconds: number, log: (line: string) => void,
): Promise<{ working: LedgerState; pool: PoolEntry[]; dropped: number }> {
  const working = committed.clone();
  const kept: PoolEntry[] = [];
  for (const entry of pool) {
    if (!DeployedHost.needs(entry.tx)) {
      applyTx(crypto, working, entry.tx, 0);
      kept.push(entry);
      continue;
    }
    const run = () => deployed.admit(working, entry.tx, nowSeconds, blockOf(kept.length), entry.id);
    let outcome = await run();
    if (outcome.hostFailure) outcome = await run(); // a worker that failed to start or crashed is started again
    // The transaction was acknowledged: dropping it for this host's failure would lose it. Not starting says why.
    if (outcome.hostFailure) {
      throw new Error(`pending ${bytesToHex(entry.id)}: the contract sandbox failed on its re-run (${outcome.verdict.ok ? '' : outcome.verdict.reason}); not starting rather than drop an acknowledged transaction`);
    }
    const { verdict, effects } = outcome;
    if (!verdict.ok) {
      log(`pending ${bytesToHex(entry.id)} of ${bytesToHex(entry.tx.sender)} (seq ${entry.tx.seq}) is refused on re-run: ${verdict.reason}`);
      continue;
    }
    applyTx(crypto, working, entry.tx, 0, effects);
    kept.push({ ...entry, ...(effects ? { effects } : {}) });
  }
  return { working, pool: kept, dropped: pool.length - kept.length };
}

