// The JetStream streams of one consortium chain (tools layer, gateway/consortium), as fixed by the
// consortium design: the tx stream BOTPEER_<CHAINHEX> holds the devices' and members'
// transactions (subject bot.<chainhex>.up, where NATS's MQTT listener maps the topic
// bot/<chainhex>/up) and the cut markers (botpeer.<chainhex>.cut); the vote stream
// BOTPEER_<CHAINHEX>_VOTES holds votes for 24 h. Creating them is idempotent, so every member
// calls ensureChainStreams at start.

import {
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  type StreamConfig,
  type StreamInfo,
  StorageType,
} from '@nats-io/jetstream';

/** Largest message the tx stream accepts (a wire is at most 5120 bytes). */
export const MAX_WIRE_BYTES = 5120;
/** Votes are only needed until their block is committed; a day leaves room for a stalled chain. */
export const VOTE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** The members' queue group for device publishes and requests arriving over the NATS MQTT listener. */
export const MEMBERS_QUEUE = 'botpeer-members';

/** Lowercase hex of the chain id; subjects use it as is, stream names in uppercase. */
function checkChainHex(chainHex: string): string {
  if (!/^[0-9a-fA-F]+$/.test(chainHex) || chainHex.length % 2 !== 0) throw new RangeError(`chain id must be hex, got ${JSON.stringify(chainHex)}`);
  return chainHex.toLowerCase();
}

export interface ChainSubjects {
  /** Transactions: bot.<chainhex>.up (= MQTT topic bot/<chainhex>/up). */
  readonly up: string;
  /**
   * Transactions a member forwards from its own broker: botpeer.<chainhex>.tx. Not bot.<chainhex>.up,
   * whose core subscribers (the members' queue group) answer the devices of the MQTT listener.
   */
  readonly forwarded: string;
  /** Cut markers: botpeer.<chainhex>.cut. */
  readonly cut: string;
  /** Votes: botpeer.<chainhex>.vote. */
  readonly vote: string;
  /** A key generation's broadcast, NATS core (dkg-transport-nats.ts): botpeer.<chainhex>.dkg. */
  readonly dkg: string;
  /** A re-key's approvals, NATS core (`botpeer member rekey`): botpeer.<chainhex>.rekey. */
  readonly rekey: string;
  /** Device requests over the NATS MQTT listener: bot.<chainhex>.d.* .req (wildcard). */
  readonly deviceRequests: string;
  /** BOTPEER_<CHAINHEX>. */
  readonly txStream: string;
  /** BOTPEER_<CHAINHEX>_VOTES. */
  readonly voteStream: string;
}

export function chainSubjects(chainHex: string): ChainSubjects {
  const hex = checkChainHex(chainHex);
  const upper = hex.toUpperCase();
  return Object.freeze({
    up: `bot.${hex}.up`,
    forwarded: `botpeer.${hex}.tx`,
    cut: `botpeer.${hex}.cut`,
    vote: `botpeer.${hex}.vote`,
    dkg: `botpeer.${hex}.dkg`,
    rekey: `botpeer.${hex}.rekey`,
    deviceRequests: `bot.${hex}.d.*.req`,
    txStream: `BOTPEER_${upper}`,
    voteStream: `BOTPEER_${upper}_VOTES`,
  });
}

function txStreamConfig(s: ChainSubjects, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: s.txStream,
    subjects: [s.up, s.forwarded, s.cut],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    max_msg_size: MAX_WIRE_BYTES,
  };
}

function voteStreamConfig(s: ChainSubjects, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: s.voteStream,
    subjects: [s.vote],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    max_msg_size: MAX_WIRE_BYTES,
    // JetStream durations are nanoseconds.
    max_age: VOTE_MAX_AGE_MS * 1_000_000,
  };
}

// JetStream's "stream name already in use with a different configuration".
const STREAM_NAME_IN_USE = 10058;

/** The fields that must match for an existing stream to be the one we want. */
function sameShape(have: StreamConfig, want: Partial<StreamConfig>): boolean {
  const subjects = (list: string[] | undefined) => [...(list ?? [])].sort().join(' ');
  return (
    subjects(have.subjects) === subjects(want.subjects) &&
    have.storage === want.storage &&
    have.retention === want.retention &&
    have.num_replicas === want.num_replicas &&
    have.max_msg_size === want.max_msg_size &&
    (want.max_age === undefined || have.max_age === want.max_age)
  );
}

/**
 * Creating an R3 stream elects its leader among the nodes; on a busy machine (or while a node
 * restarts) the API call can time out although the stream is being made. A few more tries: the
 * add of a stream that exists with the same config answers with its info.
 */
const CREATE_ATTEMPTS = 4;

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<StreamInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOrMatch(jsm, config);
    } catch (error) {
      if (attempt >= CREATE_ATTEMPTS || (error as Error).name !== 'TimeoutError') throw error;
    }
  }
}

async function createOrMatch(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<StreamInfo> {
  try {
    // JetStream answers an add of an existing stream with an identical config with its info.
    return await jsm.streams.add(config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NAME_IN_USE) throw error;
    // Another member created it first (racing us), or with other settings: accept only the same shape.
    const info = await jsm.streams.info(config.name);
    if (sameShape(info.config, config)) return info;
    throw new Error(
      `stream ${config.name} exists with another configuration (subjects ${info.config.subjects.join(',')}, replicas ${info.config.num_replicas}, max_msg_size ${info.config.max_msg_size})`,
    );
  }
}

export interface ChainStreams {
  readonly subjects: ChainSubjects;
  readonly tx: StreamInfo;
  readonly votes: StreamInfo;
}

/**
 * Creates (or finds, unchanged) the chain's tx and vote streams with `replicas` replicas
 * (min(3, cluster size) in the design). Safe to call from every member, concurrently.
 */
export async function ensureChainStreams(jsm: JetStreamManager, chainHex: string, replicas: number): Promise<ChainStreams> {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new RangeError(`replicas must be 1..5, got ${replicas}`);
  const subjects = chainSubjects(chainHex);
  const tx = await ensureStream(jsm, txStreamConfig(subjects, replicas));
  const votes = await ensureStream(jsm, voteStreamConfig(subjects, replicas));
  return { subjects, tx, votes };
}
