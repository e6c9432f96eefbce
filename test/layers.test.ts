// The core's layer lines (test layer, Node only): src/ imports run one way, in the
// order src/index.ts draws, with no cycle between files or folders, and nothing in the
// core below the peer imports src/peer. Read from the sources, so a new import that
// crosses a line fails here rather than in a reviewer's head.

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** The folders of src/, lowest first: each may import only folders before it (src/index.ts is the top). */
const ORDER = ['errors', 'codec', 'crypto', 'tx', 'ports', 'merkle', 'chain', 'contracts', 'light', 'mqtt', 'rules', 'peer'] as const;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** File (relative to src/) → the src/ files it imports, static or dynamic, values or types. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)]
      .map((m) => resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'))
      .filter((target) => target.startsWith(SRC))
      .map((target) => relative(SRC, target));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

/** One cycle of `graph` as a path, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const graph = importGraph();

test('the graph is read: every src/ file is seen and the imports resolve to files that exist', (t) => {
  t.true(graph.size > 50);
  for (const [file, targets] of graph) for (const target of targets) t.true(graph.has(target), `${file} imports ${target}`);
});

test('no import cycle between files of src/', (t) => {
  t.is(findCycle(graph)?.join(' → '), undefined);
});

test('folders import only folders below them, in the documented order', (t) => {
  const crossings: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (from === '.') continue;
    const rank = ORDER.indexOf(from as (typeof ORDER)[number]);
    t.true(rank >= 0, `${from}/ is placed in ORDER`);
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== from && !(ORDER.indexOf(to as (typeof ORDER)[number]) < rank)) crossings.push(`${file} → ${target}`);
    }
  }
  t.deepEqual(crossings, []);
});

test('nothing outside src/peer imports the peer; src/index.ts does not include it', (t) => {
  const intoPeer = [...graph].flatMap(([file, targets]) =>
    folderOf(file) === 'peer' ? [] : targets.filter((target) => folderOf(target) === 'peer').map((target) => `${file} → ${target}`),
  );
  t.deepEqual(intoPeer, []);
});
