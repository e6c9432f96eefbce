// tools/gateway/consortium/stream-publisher.ts against a fake JetStream client: the bound on
// publishes in flight (back-pressure), retries that keep their Nats-Msg-Id (so the stream
// deduplicates them), and final errors that are not retried. No server needed.

import test from 'ava';
import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { createStreamPublisher, StreamPublishError } from '../tools/gateway/consortium/stream-publisher.js';

interface Call {
  subject: string;
  msgID: string;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/** A JetStream client whose publishes wait until the test settles them. */
function fakeJs(): { js: JetStreamClient; calls: Call[]; next: () => Promise<Call> } {
  const calls: Call[] = [];
  const waiting: Array<(c: Call) => void> = [];
  const js = {
    publish(subject: string, _data: Uint8Array, opts: { msgID: string }): Promise<PubAck> {
      return new Promise<PubAck>((resolve, reject) => {
        const call: Call = { subject, msgID: opts.msgID, resolve: (seq) => resolve({ stream: 'S', seq, duplicate: false, domain: '' } as PubAck), reject };
        calls.push(call);
        waiting.shift()?.(call);
      });
    },
  } as unknown as JetStreamClient;
  let taken = 0;
  const next = () => (calls.length > taken ? Promise.resolve(calls[taken++]!) : new Promise<Call>((r) => waiting.push((c) => (taken++, r(c)))));
  return { js, calls, next };
}

test('at most maxInFlight publishes await their PubAck; the rest wait for a slot', async (t) => {
  const { js, calls, next } = fakeJs();
  const publisher = createStreamPublisher(js, { maxInFlight: 2 });
  const results = [1, 2, 3, 4, 5].map(() => publisher.publish('bot.aa.up', new Uint8Array(1)));
  await next();
  await next();
  t.is(calls.length, 2);
  t.is(publisher.inFlight, 2);
  t.is(publisher.waiting, 3);
  calls[0]!.resolve(10);
  const third = await next();
  t.is(calls.length, 3, 'one PubAck frees exactly one slot');
  t.is(publisher.waiting, 2);
  calls[1]!.resolve(11);
  third.resolve(12);
  (await next()).resolve(13);
  (await next()).resolve(14);
  t.deepEqual(await Promise.all(results), [10, 11, 12, 13, 14]);
  t.is(publisher.inFlight, 0);
});

test('a publish without PubAck is retried with the same msg id; a final API error is not', async (t) => {
  const { js, next } = fakeJs();
  const publisher = createStreamPublisher(js, { retryDelayMs: 1 });
  const result = publisher.publish('bot.aa.up', new Uint8Array(1));
  const first = await next();
  first.reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
  const second = await next();
  t.is(second.msgID, first.msgID);
  second.resolve(7);
  t.is(await result, 7);
  t.is(publisher.retries, 1);

  const tooBig = publisher.publish('bot.aa.up', new Uint8Array(1), { msgId: 'fixed' });
  const call = await next();
  t.is(call.msgID, 'fixed');
  call.reject(new JetStreamApiError({ code: 400, err_code: 10054, description: 'message size exceeds maximum allowed' }));
  const error = await t.throwsAsync(tooBig, { instanceOf: StreamPublishError });
  t.is(error?.attempts, 1);
});

test('retries stop after the attempt bound', async (t) => {
  const { js, next } = fakeJs();
  const publisher = createStreamPublisher(js, { retryDelayMs: 1, attempts: 3 });
  const result = publisher.publish('bot.aa.up', new Uint8Array(1));
  for (let i = 0; i < 3; i++) (await next()).reject(Object.assign(new Error('no responders'), { name: 'NoRespondersError' }));
  const error = await t.throwsAsync(result, { instanceOf: StreamPublishError, message: /after 3 attempt/ });
  t.is(error?.attempts, 3);
});
