// manifest.json and the folder manifests it includes, against the code (runs on Node, no
// Moddable needed): for each firmware
// platform, the modules the manifest lists from the repo must be exactly the files its
// main imports (computed by esbuild from the sources), each named "botpeer/" + its repo
// path so relative imports resolve under XS as on disk. A core file newly imported by the
// peer, or one no longer used, shows up here before anyone builds firmware.

import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Plugin, build } from 'esbuild';
import { PLATFORMS, platformOf, readManifest, resolveManifest } from './moddable/firmware-manifest.js';
import { REPO, moddableMissing } from './moddable/moddable-app.js';

/** Per platform: the modules a platform maps to a file of another name ("…/network", "…/board"). */
function variants(platform: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, file } of resolveManifest(platform).entries) {
    if (key.startsWith('botpeer/') && key.slice('botpeer/'.length) !== file) out[key.slice('botpeer/'.length)] = file;
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
  // npm files by their path under node_modules, wherever a symlinked node_modules really is.
  return new Set(Object.keys(result.metafile!.inputs).map((f) => f.replace(/\.(ts|js)$/, '').replace(/^.*?\/?(node_modules\/)/, '$1')));
}

/** Repo files the manifests give a platform. */
function listed(platform: string): Set<string> {
  return new Set(resolveManifest(platform).entries.map((e) => e.file));
}

for (const platform of PLATFORMS) {
  test(`${platform}: every repo module is named "botpeer/" + its path (npm modules by their own names) and exists`, (t) => {
    const { entries } = resolveManifest(platform);
    t.true(entries.length > 40, `${entries.length} modules`);
    for (const { key, file, manifest } of entries) {
      const exists = ['.ts', '.js', '.d.ts', '.c'].some((ext) => fs.existsSync(path.join(REPO, file + ext)));
      t.true(exists, `${manifest}: ${key} → ${file} exists`);
      if (file.startsWith('node_modules/')) t.is(key, file.slice('node_modules/'.length), `${key} is the npm import name`);
      else if (key.startsWith('botpeer/') && !/\/(network|board)$/.test(key)) t.is(key, `botpeer/${file}`, manifest);
    }
  });
}

test('the root manifest only joins the folders\' manifests: platforms differ under `platforms`, in each folder', (t) => {
  const root = readManifest(path.join(REPO, 'manifest.json'));
  t.deepEqual(root.modules, undefined, 'no module listed at the root');
  for (const [platform, entry] of Object.entries(root.platforms ?? {})) {
    t.deepEqual(Object.keys(entry), [platform === '...' ? 'error' : 'include'], `platforms.${platform}`);
  }
  // Each repo manifest is read once per build, and lists only files of its own folder.
  for (const platform of PLATFORMS) {
    for (const { key, file, manifest } of resolveManifest(platform).entries) {
      if (file.startsWith('node_modules/')) continue;
      t.true(file.startsWith(path.dirname(manifest) + '/'), `${manifest} lists ${key} from another folder (${file})`);
    }
  }
  t.true(resolveManifest('esp32').manifests.includes('hosts/esp32/manifest.json'));
  t.false(resolveManifest('x-cli-lin').manifests.includes('hosts/esp32/manifest.json'), 'x-cli-lin does not build the ESP32 folder');
  t.is(platformOf(root, 'pico')?.error?.startsWith('botpeer firmware: unsupported platform'), true);
});

for (const [platform, entry] of [['x-cli-lin', 'hosts/x-cli-lin/main.ts'], ['esp32', 'hosts/esp32/main.ts'], ['lin', 'hosts/esp32/main.ts']] as const) {
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

// mcconfig itself reads the manifests for the platforms it can configure here (it writes the
// makefile and stops): an SDK manifest included before what defines its variables, or a path
// that does not resolve from the manifest naming it, fails here. Skips without $MODDABLE.
const missing = moddableMissing();
for (const platform of ['esp32/nodemcu', 'lin', 'x-cli-lin']) {
  (missing ? test.skip : test)(`mcconfig accepts the manifests for ${platform}${missing ? ` (skipped: ${missing})` : ''}`, (t) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'botpeer-mcconfig-'));
    t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
    const moddable = process.env.MODDABLE!;
    const env = { ...process.env, PATH: [path.join(moddable, 'build/bin/lin/release'), path.join(REPO, 'node_modules/.bin'), process.env.PATH].join(path.delimiter) };
    const run = spawnSync('mcconfig', ['-p', platform, '-o', out], { cwd: REPO, env, encoding: 'utf8' });
    t.is(run.status, 0, run.stdout + run.stderr);
    const find = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? find(path.join(dir, e.name)) : e.name === 'makefile' ? [path.join(dir, e.name)] : []);
    const makefile = fs.readFileSync(find(path.join(out, 'tmp'))[0]!, 'utf8');
    t.regex(makefile, /botpeer\/hosts\/moddable\/firmware\.xsb/);
  });
}
test('any other platform gets the manifest\'s error', (t) => {
  t.regex(platformOf(readManifest(path.join(REPO, 'manifest.json')), 'esp8266')?.error ?? '', /unsupported platform/);
});
