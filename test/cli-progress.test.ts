// The CLI's progress bar (tools/cli/cli-support.ts): drawn in place on a terminal, plain
// lines elsewhere (a pipe, a log file, CI), and always the final count.

import test from 'ava';
import { ProgressBar, ProgressLine } from '../tools/cli/cli-support.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, columns: 120, write: (chunk: string) => written.push(chunk) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

test('on a terminal the bar is rewritten in place, with a bar, a count and the last state', (t) => {
  const { stream, written } = fakeStream(true);
  const bar = new ProgressBar(new ProgressLine(stream, 5000), 'enrolling', 200);
  bar.update(50, 'acknowledged');
  for (let i = 51; i < 200; i++) bar.update(i); // within 100 ms of the first: not drawn
  bar.update(200, 'acknowledged');
  bar.done();
  t.is(written.length, 3, 'the first state, the final one and the line end');
  t.true(written.every((w, i) => i === written.length - 1 || w.startsWith('\r\x1b[2K')), 'each drawing replaces the line');
  t.regex(written[0]!, /enrolling \[######-{18}\] 25% 50\/200\b.*acknowledged/);
  t.regex(written[1]!, /enrolling \[#{24}\] 100% 200\/200/);
  t.is(written[2], '\n');
});

test('off a terminal it degrades to plain lines, at most one per interval, and always the last', (t) => {
  const { stream, written } = fakeStream(false);
  const bar = new ProgressBar(new ProgressLine(stream, 60_000), 'verifying blocks', 1000);
  for (let h = 1; h <= 1000; h++) bar.update(h, `${h * 3} transactions`);
  bar.done();
  t.is(written.length, 2, `the first and the last line: ${JSON.stringify(written)}`);
  t.true(written.every((w) => w.endsWith('\n') && !w.includes('\r') && !w.includes('\x1b')), 'no terminal control characters');
  t.regex(written[0]!, /^verifying blocks: 1\/1000 \(0%\)/);
  t.regex(written[1]!, /^verifying blocks: 1000\/1000 \(100%\).*3000 transactions\n$/);
});
