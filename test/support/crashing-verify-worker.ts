// A stand-in for tools/gateway/verify-worker.ts that dies on its first batch (test
// layer, Node only): crypto-native.test.ts uses it to check that the verify pool
// rejects pending jobs instead of hanging. BOTPEER_TEST_CRASH=exit makes it exit
// with code 7 instead of throwing (worker threads copy process.env at start).

import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  if (process.env['BOTPEER_TEST_CRASH'] === 'exit') process.exit(7);
  throw new Error('simulated verify worker crash');
});
