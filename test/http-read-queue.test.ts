// The HTTP API's read queue (tools layer) on its own: each read in its own turn of the
// event loop, in order, and a bounded queue.

import test from 'ava';
import { ReadQueue } from '../tools/gateway/http-read-queue.js';

const drained = (queue: ReadQueue) => new Promise<void>((resolve) => {
  const check = () => (queue.queued === 0 ? setImmediate(resolve) : setImmediate(check));
  check();
});

test('reads run later, in order, each in its own turn: what was scheduled by one runs before the next', async (t) => {
  const queue = new ReadQueue(8);
  const log: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    t.true(queue.offer(() => {
      log.push(name);
      setImmediate(() => log.push(`after ${name}`)); // stands for the I/O the gateway must serve between two reads
    }));
  }
  t.deepEqual(log, [], 'nothing runs on offer');
  t.is(queue.queued, 3);
  await drained(queue);
  t.deepEqual(log, ['a', 'after a', 'b', 'after b', 'c', 'after c']);
  t.is(queue.served, 3);
});

test('a full queue refuses, and a closed one refuses and drops what waits', async (t) => {
  const queue = new ReadQueue(2);
  const ran: number[] = [];
  t.true(queue.offer(() => ran.push(1)));
  t.true(queue.offer(() => ran.push(2)));
  t.false(queue.offer(() => ran.push(3)));
  t.is(queue.refused, 1);
  await drained(queue);
  t.deepEqual(ran, [1, 2]);
  t.true(queue.offer(() => ran.push(4)), 'room again once drained');
  queue.close();
  t.false(queue.offer(() => ran.push(5)));
  await new Promise((r) => setImmediate(r));
  t.deepEqual(ran, [1, 2], 'the waiting read was dropped');
});
