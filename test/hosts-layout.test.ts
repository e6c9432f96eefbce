// The hosts' layout rule (runs on Node): a host folder imports the core, modules/ and the
// folders several hosts share (hosts/moddable for every Moddable platform, hosts/sensors-sim,
// hosts/node for the Node adapters of the desktop host and the gateway), never another
// host's folder and never tools/. So a port to a new board or chip is a folder of its own.

import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './moddable/moddable-app.js';

const SHARED = new Set(['moddable', 'sensors-sim', 'node']);
const HOSTS = path.join(REPO, 'hosts');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.(ts|js)$/.test(entry.name) ? [file] : [];
  });
}

/** Folder under hosts/ (or "tools", "src", …) a relative import from `file` lands in. */
function target(file: string, specifier: string): string {
  const resolved = path.relative(REPO, path.resolve(path.dirname(file), specifier));
  const [top, second] = resolved.split(path.sep);
  return top === 'hosts' ? `hosts/${second}` : top!;
}

test('no host imports another host\'s folder or tools/; shared folders only', (t) => {
  const bad: string[] = [];
  let imports = 0;
  for (const file of sources(HOSTS)) {
    const own = `hosts/${path.relative(HOSTS, file).split(path.sep)[0]}`;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]/g)) {
      imports += 1;
      const into = target(file, (m[1] ?? m[2])!);
      const ok = into === own || into === 'src' || into === 'modules' || (into.startsWith('hosts/') && SHARED.has(into.slice(6)));
      if (!ok) bad.push(`${path.relative(REPO, file)} → ${m[1] ?? m[2]} (${into})`);
    }
  }
  t.true(imports > 50, `${imports} relative imports read`);
  t.deepEqual(bad, []);
});

test('what the folders several hosts share import: no host folder at all, except hosts/moddable the simulated sensors', (t) => {
  for (const shared of SHARED) {
    for (const file of sources(path.join(HOSTS, shared))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/from\s+['"](\.[^'"]+)['"]/g)) {
        const into = target(file, m[1]!);
        if (!into.startsWith('hosts/') || into === `hosts/${shared}`) continue;
        t.true(shared === 'moddable' && into === 'hosts/sensors-sim', `${path.relative(REPO, file)} → ${m[1]}`);
      }
    }
  }
  t.pass();
});
