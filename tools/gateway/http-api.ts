// The gateway's read-only HTTP JSON API (tools layer, Node only; node:http, no framework).
//
//   GET /                          the list of endpoints
//   GET /status                    chain, height, pending, ingest counts by error name, devices, blocked
//   GET /blocks/latest             the newest block
//   GET /blocks/:height            header fields, commit signers, tx ids
//   GET /tx/:id                    decoded transaction, inclusion proof, verified against the stored header
//   GET /devices/:id/readings      ?limit=N (default 100, max 1000): newest readings first
//   GET /registry                  every account (committed state; pendingSeq from the working state)
//   GET /registry/:id              one account
//   GET /blocklist                 blocked devices
//   GET /genesis.cbor              the genesis, as the chain's members hold it (application/cbor)
//   GET /checkpoint.cbor           the newest operator-signed checkpoint (application/cbor; 404 if none)
//   GET /blocks/:height/light      the block's light block (header, commit) as published (application/cbor)
//   GET /tx/:id/proof              the transaction's wire bytes, height and encoded inclusion proof
//   GET /supply-chain/items/:hexId/provenance  the item's provenance answer and light blocks (application/cbor; use-case-api.ts)
//   GET /transport/balances/:id    a transport-credit balance with its state proof (use-case-api.ts)
//   GET /events                    server-sent events: `block` {height, txCount} as each block is written
//   GET /metrics                   Prometheus text (metrics.ts)
//   GET /contracts                 the registered contracts      (contract-routes.ts)
//   GET /state/:namespace/:key     a state entry and its proof against the newest header's stateRoot
//   GET /contracts/deployed        code hashes of the deployed contracts (committed state)
//   GET /contracts/:hash           one deployed contract: its source, methods and queries
//   GET /contracts/:hash/query/:name  ?args=<canonical JSON> (default null): the query's result,
//                                  run in the sandbox on the committed state; its failure is a 400
//                                  (404 for an unknown contract or query) with the error code's name
//   GET / (Accept: text/html)      the explorer page; /explorer.js its script (explorer-assets.ts)
//
// Byte strings are lowercase hex. Errors are JSON {error, code}: 400 BAD_REQUEST for input
// that cannot be valid (a malformed id, height or limit), 404 NOT_FOUND for a valid id that
// names nothing, 405 for anything but GET/HEAD, 503 BUSY when too many reads wait already (or too many contract queries run),
// 500 INTERNAL if a builder throws (never a crash).
//
// Every request but / and /status waits in a ReadQueue (http-read-queue.ts) and is answered
// in its own turn of the event loop, so a flood of reads cannot starve ingest, which runs on
// the same thread; /status reports the queue.
// The JSON builders live in ledger-json.ts and are shared with the CLI.

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type Checkpoint, type CryptoProvider, ErrorCode, type LedgerState, bytesToHex, encodeCheckpoint, encodeGenesis, encodeProof, errorName,
  hexToBytes, inclusionProof,
} from '../../src/index.js';
import type { DeployedHost } from './contract-sandbox/deployed-host.js';
import { EXPLORER_HTML, explorerBundle } from './explorer-assets.js';
import type { BlockEvent } from './gateway.js';
import type { GatewayMetrics } from './metrics.js';
import type { ChainFiles } from './data-dir.js';
import {
  DEFAULT_READINGS_LIMIT, MAX_READINGS_LIMIT, RequestError, accountJson, blockJson, blocklistJson, chainJson, validatorsJson, deviceReadingsJson,
  parseAccountId, parseHeight, parseTxId, parseUint, registryJson, rejectedByName, stateCounts, txJson,
} from './ledger-json.js';
import { ReadQueue } from './http-read-queue.js';
import { RouteError, contractRoute } from './contract-routes.js';
import { NotReady, balanceJson, provenanceBody } from './use-case-api.js';
import type { GroupCommitRecord } from './consortium/frost-participation.js';
import type { LedgerStore } from './ledger-store.js';

export interface HttpApiOptions {
  readonly crypto: CryptoProvider;
  readonly chain: ChainFiles;
  readonly store: LedgerStore;
  readonly host: string;
  readonly port: number;
  readonly status: () => { height: number; pending: number; ingest: { received: number; accepted: number; rejected: Record<string, number> } };
  readonly working: () => LedgerState;
  readonly committed: () => LedgerState;
  /** Where devices connect, shown by /status when given. */
  readonly mqttUrl?: string;
  /** Reads that may wait for their turn before more are refused with 503 (default DEFAULT_MAX_QUEUED_READS). */
  readonly maxQueuedReads?: number;
  /** Served at /metrics when given. */
  readonly metrics?: GatewayMetrics;
  /** The newest checkpoint, served at /checkpoint.cbor when given. */
  readonly checkpoint?: () => Checkpoint | undefined;
  /** Feeds /events when given. */
  readonly onBlock?: (listener: (block: BlockEvent) => void) => () => void;
  /** Open /events streams allowed at once (default DEFAULT_MAX_EVENT_STREAMS). */
  readonly maxEventStreams?: number;
  /** A consortium member's records of who signed each group commit, shown by /blocks/<height>. */
  readonly participation?: (height: number) => GroupCommitRecord | undefined;
  /** Deployed contracts: /contracts/… when given. */
  readonly deployed?: DeployedHost;
  /** Height of the committed state (a query's ctx.height). */
  readonly height?: () => number;
  /** Deployed-contract reads (queries, sources) in the sandbox at once before more are refused with 503 (default DEFAULT_MAX_SANDBOX_READS). */
  readonly maxSandboxReads?: number;
}

/** Each open explorer tab holds one stream; past this many, /events answers 503. */
export const DEFAULT_MAX_EVENT_STREAMS = 64;

/**
 * A sandbox read leaves the read queue once started and waits on the contract's worker, where
 * ingest's admission of that contract's calls waits behind it (and the block producer behind
 * admission): so few may be in flight at once.
 */
export const DEFAULT_MAX_SANDBOX_READS = 4;

/** Enough for a few dashboards at once; a full queue of readings?limit=1000 takes a few seconds to drain. */
export const DEFAULT_MAX_QUEUED_READS = 128;

export interface HttpApi {
  readonly url: string;
  /** Reads waiting in the read queue now. */
  queuedReads(): number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const notFound = (message: string) => new HttpError(404, 'NOT_FOUND', message);

/** A reply that is not JSON: bytes or text with its content type. */
class RawBody {
  constructor(readonly contentType: string, readonly body: Uint8Array | string) {}
}

const ENDPOINTS = [
  'GET /status',
  'GET /blocks/latest',
  'GET /blocks/:height',
  'GET /tx/:id',
  'GET /devices/:id/readings?limit=N',
  'GET /registry',
  'GET /registry/:id',
  'GET /blocklist',
  'GET /genesis.cbor',
  'GET /checkpoint.cbor',
  'GET /blocks/:height/light',
  'GET /tx/:id/proof',
  'GET /supply-chain/items/:hexId/provenance',
  'GET /transport/balances/:id',
  'GET /events',
  'GET /metrics',
  'GET /contracts',
  'GET /state/:namespace/:key',
  'GET /contracts/deployed',
  'GET /contracts/:hash',
  'GET /contracts/:hash/query/:name?args=JSON',
]; 

export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const { crypto, chain, store } = options;
  const chainInfo = chainJson(crypto, chain.genesis, chain.chainId);
  const reads = new ReadQueue(options.maxQueuedReads ?? DEFAULT_MAX_QUEUED_READS);
  const genesisBytes = encodeGenesis(chain.genesis);
  const streams = new Set<ServerResponse>();
  const maxStreams = options.maxEventStreams ?? DEFAULT_MAX_EVENT_STREAMS;
  const maxSandboxReads = options.maxSandboxReads ?? DEFAULT_MAX_SANDBOX_READS;
  let sandboxReads = 0;

  function status() {
    const s = options.status();
    const latest = store.latestBlock();
    const rejected = rejectedByName(s.ingest.rejected);
    return {
      ...chainInfo,
      height: s.height,
      latestBlockHash: latest ? bytesToHex(latest.hash) : null,
      latestBlockTime: latest ? new Date(latest.time).toISOString() : null,
      latestBlockTimeMs: latest ? latest.time : null,
      pending: s.pending,
      transactions: store.txCount(),
      ingest: {
        received: s.ingest.received,
        accepted: s.ingest.accepted,
        rejectedTotal: Object.values(rejected).reduce((a, b) => a + b, 0),
        rejected,
      },
      ...stateCounts(options.committed()),
      // The set that signs the next block (GOVERN changes it), not the genesis'.
      validators: validatorsJson(crypto, options.committed().validators() ?? chain.genesis.validators),
      httpReads: { queued: reads.queued, served: reads.served, refused: reads.refused },
      ...(options.mqttUrl ? { mqtt: options.mqttUrl } : {}),
    };
  }

  function route(segments: readonly string[], query: URLSearchParams): unknown {
    const [first, second, third] = segments;
    const n = segments.length;
    if (n === 0) return { service: 'botpeer gateway', chainId: chainInfo.chainId, endpoints: ENDPOINTS };
    if (first === 'status' && n === 1) return status();
    if (first === 'blocks' && n === 2) {
      const height = parseHeight(second!);
      const block = blockJson(store, height, options.participation);
      if (!block) throw notFound(height === 'latest' ? 'no blocks yet' : `no block at height ${height} (latest is ${store.latestBlock()?.height ?? 0})`);
      return block;
    }
    if (first === 'genesis.cbor' && n === 1) return new RawBody('application/cbor', genesisBytes);
    if (first === 'checkpoint.cbor' && n === 1) {
      const checkpoint = options.checkpoint?.();
      if (!checkpoint) throw notFound('no checkpoint yet (the gateway signs one when it holds the operator key)');
      return new RawBody('application/cbor', encodeCheckpoint(checkpoint));
    }
    if (first === 'blocks' && third === 'light' && n === 3) {
      const height = parseHeight(second!);
      const block = height === 'latest' ? store.latestBlock() : store.block(height);
      if (!block) throw notFound(height === 'latest' ? 'no blocks yet' : `no block at height ${height}`);
      return new RawBody('application/cbor', block.lightBlock);
    }
    if (first === 'tx' && third === 'proof' && n === 3) {
      const id = parseTxId(second!);
      const stored = store.txById(id);
      if (!stored) throw notFound(`no transaction ${second!.toLowerCase()} in a block`);
      const proof = inclusionProof(crypto, store.blockTxIds(stored.height), stored.index);
      return { id: bytesToHex(stored.txId), height: stored.height, index: stored.index, wire: bytesToHex(stored.wire), proof: bytesToHex(encodeProof(proof)) };
    }
    if (first === 'tx' && n === 2) {
      const id = parseTxId(second!);
      const tx = txJson(crypto, store, id);
      if (!tx) throw notFound(`no transaction ${second!.toLowerCase()} in a block`);
      return tx;
    }
    if (first === 'devices' && third === 'readings' && n === 3) {
      const id = parseAccountId(second!);
      const limitText = query.get('limit');
      const limit = limitText === null ? DEFAULT_READINGS_LIMIT : parseUint(limitText, 'limit', MAX_READINGS_LIMIT, 1);
      if (!options.working().account(id) && !options.committed().account(id)) throw notFound(`no device ${second!.toLowerCase()}`);
      return deviceReadingsJson(store, id, limit);
    }
    if (first === 'registry' && n === 1) return registryJson(options.committed(), options.working());
    if (first === 'registry' && n === 2) {
      const id = parseAccountId(second!);
      const account = accountJson(options.committed().account(id), options.working().account(id));
      if (!account) throw notFound(`no account ${second!.toLowerCase()}`);
      return account;
    }
    if (first === 'blocklist' && n === 1) return blocklistJson(options.committed(), options.working());
    const contracts = contractRoute(crypto, store, options.committed, segments);
    if (contracts) return contracts;
    if (first === 'supply-chain' && second === 'items' && segments[3] === 'provenance' && n === 4) {
      const text = segments[2]!;
      if (!/^([0-9a-fA-F]{2}){1,32}$/.test(text)) throw new RequestError('an item id must be 1..32 bytes of hex');
      const body = provenanceBody(crypto, store, options.committed(), hexToBytes(text.toLowerCase()));
      if (!body) throw notFound(`no item ${text.toLowerCase()}`);
      return new RawBody('application/cbor', body);
    }
    if (first === 'transport' && second === 'balances' && n === 3) return balanceJson(crypto, store, options.committed(), parseAccountId(third!));
    if (first === 'contracts') return deployedRoute(segments, query);
    throw notFound(`no such endpoint: /${segments.join('/')} (GET / lists them)`);
  }

  /** Runs a sandbox read, or refuses it (503 BUSY) when DEFAULT_MAX_SANDBOX_READS are in flight already. */
  function inSandbox<T>(read: () => Promise<T>): Promise<T> {
    if (sandboxReads >= maxSandboxReads) throw new HttpError(503, 'BUSY', `too many contract queries running (${maxSandboxReads}): retry later`);
    sandboxReads++;
    return read().finally(() => sandboxReads--);
  }

  /** /contracts…: deployed contracts on the committed state (their queries run in the sandbox: a promise). */
  function deployedRoute(segments: readonly string[], query: URLSearchParams): unknown {
    const deployed = options.deployed;
    if (!deployed) throw notFound('no deployed contracts on this gateway');
    const [, hash, third, name] = segments;
    const committed = options.committed();
    if (segments.length === 2 && hash === 'deployed') return { contracts: deployed.list(committed) };
    if (!/^[0-9a-fA-F]{64}$/.test(hash!)) throw new RequestError('a code hash is 64 hex digits');
    const hex = hash!.toLowerCase();
    if (segments.length === 2) {
      return inSandbox(() => deployed.describe(committed, hex)).then((info) => {
        if (!info) throw notFound(`no contract ${hex}`);
        return info;
      });
    }
    if (segments.length !== 4 || third !== 'query') throw notFound(`no such endpoint: /${segments.join('/')} (GET / lists them)`);
    const text = query.get('args');
    let args: unknown = null;
    if (text !== null) {
      try {
        args = JSON.parse(text);
      } catch {
        throw new RequestError('args must be JSON');
      }
    }
    return inSandbox(() => deployed.query(committed, hex, name!, args, options.height?.() ?? 0)).then((outcome) => {
      if (outcome.ok) return { hash: hex, query: name, result: outcome.result, gasUsed: outcome.gasUsed };
      const missing = outcome.error.code === ErrorCode.UNKNOWN_CONTRACT || outcome.error.code === ErrorCode.UNKNOWN_METHOD;
      throw new HttpError(missing ? 404 : 400, errorName(outcome.error.code), outcome.error.message);
    });
  }

  /** Answers one request now (or, for a sandbox query, when it is answered). */
  function handle(request: IncomingMessage, response: ServerResponse, segments: readonly string[], query: URLSearchParams): void {
    let status = 200;
    let body: unknown;
    try {
      body = route(segments, query);
    } catch (error) {
      [status, body] = errorReply(error);
    }
    if (body instanceof Promise) {
      body.then(
        (value: unknown) => reply(request, response, 200, value),
        (error: unknown) => reply(request, response, ...errorReply(error)),
      ).catch(() => response.destroy());
      return;
    }
    reply(request, response, status, body);
  }

  /** The explorer page, its script, /metrics and /events: answered at once, never queued (true if handled). */
  function serveUnqueued(request: IncomingMessage, response: ServerResponse, segments: readonly string[]): boolean {
    const path = segments.join('/');
    if (path === '' && wantsHtml(request)) {
      reply(request, response, 200, new RawBody('text/html; charset=utf-8', EXPLORER_HTML));
      return true;
    }
    if (path === 'explorer.js') {
      explorerBundle().then(
        (bundle) => reply(request, response, 200, new RawBody('text/javascript; charset=utf-8', bundle)),
        (error: unknown) => reply(request, response, ...errorReply(error)),
      );
      return true;
    }
    if (path === 'metrics') {
      if (!options.metrics) throw notFound('metrics are off on this gateway');
      const metrics = options.metrics;
      metrics.text().then(
        (text) => reply(request, response, 200, new RawBody(metrics.contentType, text)),
        (error: unknown) => reply(request, response, ...errorReply(error)),
      );
      return true;
    }
    if (path === 'events') {
      if (!options.onBlock) throw notFound('no event stream on this gateway');
      if (streams.size >= maxStreams) {
        response.setHeader('Retry-After', '5');
        throw new HttpError(503, 'BUSY', `too many event streams open (${maxStreams})`);
      }
      response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      if (request.method === 'HEAD') {
        response.end();
        return true;
      }
      streams.add(response);
      // The height now, so a page knows where it stands before the next block.
      response.write(`event: block\ndata: ${JSON.stringify({ height: store.latestBlock()?.height ?? 0, txCount: null })}\n\n`);
      const unsubscribe = options.onBlock((block) => {
        // A reader that does not keep up is dropped rather than buffered without bound.
        if (response.writableLength > 1 << 20) {
          response.destroy();
          return;
        }
        response.write(`event: block\ndata: ${JSON.stringify(block)}\n\n`);
      });
      response.on('close', () => {
        unsubscribe();
        streams.delete(response);
      });
      return true;
    }
    return false;
  }

  const server: Server = createServer((request, response) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', 'GET, HEAD');
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed: this API is read-only`);
      }
      const { segments, query } = parsePath(request.url ?? '/');
      if (serveUnqueued(request, response, segments)) return;
      // The index and /status are cheap and are how an operator sees a busy gateway: never queued.
      if (segments.length === 0 || (segments.length === 1 && segments[0] === 'status')) return handle(request, response, segments, query);
      const queued = reads.offer(() => {
        if (response.destroyed || request.socket.destroyed) return; // the client went away while waiting
        try {
          handle(request, response, segments, query);
        } catch {
          response.destroy(); // writing the response itself failed (e.g. the socket went away)
        }
      });
      if (!queued) {
        response.setHeader('Retry-After', '1');
        throw new HttpError(503, 'BUSY', `too many requests waiting (${reads.maxQueued}): retry later`);
      }
    } catch (error) {
      try {
        reply(request, response, ...errorReply(error));
      } catch {
        response.destroy();
      }
    }
  });
  // A request Node cannot even parse gets a JSON 400 instead of a bare close.
  server.on('clientError', (_error, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const text = JSON.stringify({ error: 'malformed HTTP request', code: 'BAD_REQUEST' }) + '\n';
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${host}:${port}`,
    queuedReads: () => reads.queued,
    close() {
      reads.close();
      for (const stream of streams) stream.end();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // idle keep-alive connections would otherwise hold close() open
      });
    },
  };
}

function errorReply(error: unknown): [number, unknown] {
  if (error instanceof HttpError || error instanceof RouteError) return [error.status, { error: error.message, code: error.code }];
  if (error instanceof RequestError) return [400, { error: error.message, code: 'BAD_REQUEST' }];
  if (error instanceof NotReady) return [503, { error: error.message, code: 'BUSY' }];
  return [500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}`, code: 'INTERNAL' }];
}

/** A browser asking for a page (an Accept naming text/html), not a client of the JSON API. */
function wantsHtml(request: IncomingMessage): boolean {
  return /\btext\/html\b/.test(request.headers.accept ?? '');
}

function reply(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  if (body instanceof RawBody) {
    const bytes = typeof body.body === 'string' ? Buffer.from(body.body, 'utf8') : body.body;
    response.writeHead(status, { 'Content-Type': body.contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : bytes);
    return;
  }
  const text = JSON.stringify(body, null, 2) + '\n';
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}

/** Path segments (percent-decoded, empty ones dropped, so a trailing slash is fine) and the query. */
function parsePath(url: string): { segments: string[]; query: URLSearchParams } {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://localhost');
  } catch {
    throw new RequestError('malformed request URL');
  }
  const segments = parsed.pathname.split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new RequestError(`malformed percent-encoding in ${JSON.stringify(s.slice(0, 80))}`);
    }
  });
  return { segments, query: parsed.searchParams };
}
