// The consortium's ordering infrastructure in one import (tools layer, gateway/consortium): the
// NATS connection, the chain's JetStream streams, pipelined publishes with PubAck, in-order
// consumption, and NATS core queue groups. Each concern lives in its own file.

export { type ConnectNatsOptions, connectNats, type NatsConnection } from './nats-connection.js';
export { type ChainStreams, type ChainSubjects, chainSubjects, ensureChainStreams, MAX_WIRE_BYTES, MEMBERS_QUEUE, VOTE_MAX_AGE_MS } from './chain-streams.js';
export {
  createStreamPublisher,
  type PublishOptions,
  publishToStream,
  StreamPublishError,
  type StreamPublisher,
  type StreamPublisherOptions,
} from './stream-publisher.js';
export { type ConsumeInOrderOptions, consumeInOrder, type InOrderConsumer, type StreamMessage } from './ordered-consume.js';
export { type CoreMessage, publishCore, type QueueSubscription, subscribeQueue } from './core-subjects.js';
export { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
