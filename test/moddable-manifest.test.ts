// manifest.json against the code (runs on Node, no Moddable needed): for each firmware
// platform, the modules the manifest lists from the repo must be exactly the files its
// main imports (computed by esbuild from the sources), each named "botpeer/" + its repo
// path so relative imports resolve under XS as on disk. A core file newly imported by the
// peer, or one no longer used, shows up here before anyone builds firmware.

import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { type Plugin, build } from 'esbuild';
import { REPO } from './moddable/moddable-app.js';

interface Manifest {
  include?: string[];
  modules: Record<string, string | string[]>;
  platforms: Record<string, { include?: string[]; modules?: Record<string, string | string[]> }>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'manifest.json'), 'utf8')) as Manifest;

/** Per platform: the "botpeer/hosts/esp32/network" and "…/board" variants, as the manifest maps them. */
function variants(platform: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(manifest.platforms[platform]?.modules ?? {})) {
    if (typeof value === 'string' && key.startsWith('botpeer/')) out[key.slice('botpeer/'.length)] = value.slice(2);
  }
  return out;
}

// Files with Moddable's `@ "native"` syntax and modules the SDK provides: not followed.
const NATIVE = /(secp256k1-native|random-hw|x-cli-lin\/host)\.js$/;

async function importGraph(entry: string, platform: string): Promise<Set<string>> {
  const mapped = variants(platform);
  const plugin: Plugin = {
    name: 'firmware-graph',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (!args.path.startsWith('.')) {
          // npm packages are resolved by esbuild; everything else is the SDK's.
          return fs.existsSync(path.join(REPO, 'node_modules', args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/')))
            ? undefined : { path: args.path, external: true };
        }
        const file = path.relative(REPO, path.resolve(args.resolveDir, args.path)).replace(/\.js$/, '');
        if (NATIVE.test(`${file}.js`)) return { path: file, external: true };
        if (mapped[file] !== undefined) return { path: path.join(REPO, `${mapped[file]}.ts`) };
        return undefined;
      });
    },
  };
  // The generated mqtt-packet imports the core's shims by their firmware names: entries too.
  const bundle = fs.readFileSync(path.join(REPO, 'modules/mqtt-packet/mqtt-packet.js'), 'utf8');
  const shims = [...bundle.matchAll(/^import .* from "botpeer\/(.+)";$/gm)].map((m) => path.join(REPO, `${m[1]}.ts`));
  const result = await build({
    entryPoints: [path.join(REPO, entry), ...shims], bundle: true, write: false, metafile: true, format: 'esm', platform: 'neutral', outdir: '/nonexistent',
    mainFields: ['module', 'main'], logLevel: 'silent', plugins: [plugin],
    external: ['mqtt-packet'], // the firmware's own generated copy (modules/mqtt-packet)
  });
  return new Set(Object.keys(result.metafile!.inputs).map((f) => f.replace(/\.(ts|js)$/, '')));
}

/** Repo files the manifest gives a platform: common modules, the platform's own, and those of the repo's included manifests. */
function listed(platform: string): Set<string> {
  const files = new Set<string>();
  const add = (modules: Record<string, string | string[]> | undefined, dir: string) => {
    for (const value of Object.values(modules ?? {})) {
      for (const source of Array.isArray(value) ? value : [value]) {
        if (source.startsWith('./')) files.add(path.relative(REPO, path.join(REPO, dir, source)));
      }
    }
  };
  add(manifest.modules, '.');
  add(manifest.platforms[platform]?.modules, '.');
  for (const include of [...(manifest.include ?? []), ...(manifest.platforms[platform]?.include ?? [])]) {
    if (!include.startsWith('./')) continue;
    const included = JSON.parse(fs.readFileSync(path.join(REPO, include), 'utf8')) as Manifest;
    add(included.modules, path.dirname(include));
  }
  return files;
}

test('every repo module is named "botpeer/" + its path (npm modules by their own names) and exists', (t) => {
  for (const scope of [manifest.modules, ...Object.values(manifest.platforms).map((p) => p.modules ?? {})]) {
    for (const [key, value] of Object.entries(scope)) {
      for (const source of Array.isArray(value) ? value : [value]) {
        if (!source.startsWith('./')) continue;
        const file = source.slice(2);
        const exists = ['.ts', '.js', '.d.ts'].some((ext) => fs.existsSync(path.join(REPO, file + ext)));
        t.true(exists, `${key} → ${source} exists`);
        if (file.startsWith('node_modules/')) t.is(key, file.slice('node_modules/'.length), `${key} is the npm import name`);
        else if (key.startsWith('botpeer/') && !/\/(network|board)$/.test(key)) t.is(key, `botpeer/${file}`);
      }
    }
  }
});

for (const [platform, entry] of [['x-cli-lin', 'hosts/x-cli-lin/main.ts'], ['esp32', 'hosts/esp32/main.ts']] as const) {
  test(`${platform}: the manifest lists exactly the files its main imports`, async (t) => {
    const graph = await importGraph(entry, platform);
    const files = listed(platform);
    const typings = [...files].filter((f) => f.includes('/typings/'));
    const missing = [...graph].filter((f) => !files.has(f)).sort();
    // Not followed by the graph: typings, the native-syntax bindings, the generated mqtt-packet.
    const unused = [...files].filter((f) => !graph.has(f) && !typings.includes(f) && !NATIVE.test(`${f}.js`) && f !== 'modules/mqtt-packet/mqtt-packet' && !f.startsWith('hosts/x-cli-lin/host-main')).sort();
    t.deepEqual(missing, [], 'imported but not in manifest.json');
    t.deepEqual(unused, [], 'in manifest.json but not imported');
    t.true(graph.size > 40, `the graph was followed (${graph.size} files)`);
  });
}
