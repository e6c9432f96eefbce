// The firmware's manifests as mcconfig reads them (test layer, Node only): the root
// manifest.json and the folder manifests it includes, for one platform. The manifest test
// holds them to the code; the Moddable test apps take the firmware's modules from them by
// name, so an app is built from the same files as the firmware.

import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './moddable-app.js';

export interface Platform {
  creation?: Record<string, unknown>;
  typescript?: unknown;
  include?: string[];
  modules?: Record<string, string | string[]>;
  error?: string;
}
export interface Manifest extends Platform {
  platforms?: Record<string, Platform>;
}

export const PLATFORMS = ['esp32', 'lin', 'mac', 'win', 'x-cli-lin'] as const;

export const readManifest = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;

/** mcconfig's choice among a manifest's `platforms`: the platform's own entry, else "...". */
export function platformOf(manifest: Manifest, platform: string): Platform | undefined {
  const platforms = manifest.platforms ?? {};
  return platforms[platform] ?? platforms[platform.split('/')[0]!] ?? platforms['...'];
}

export interface Resolved {
  /** Each repo module the build gets: its name, its repo file (no extension), the manifest naming it. */
  readonly entries: { key: string; file: string; manifest: string }[];
  /** The repo manifests the build reads. */
  readonly manifests: string[];
}

/**
 * What mcconfig gathers from the repo's manifests for a platform: the root manifest and, as
 * mcconfig does, every repo manifest it includes, at top level or under the platform's entry
 * (paths relative to the manifest that names them; the SDK's own manifests are not followed).
 */
export function resolveManifest(platform: string): Resolved {
  const entries: Resolved['entries'] = [];
  const manifests: string[] = [];
  const visit = (file: string) => {
    const name = path.relative(REPO, file);
    if (manifests.includes(name)) return;
    manifests.push(name);
    const manifest = readManifest(file);
    const dir = path.dirname(file);
    const chosen = platformOf(manifest, platform);
    for (const include of [...(manifest.include ?? []), ...(chosen?.include ?? [])]) {
      if (!include.startsWith('$(')) visit(path.resolve(dir, include));
    }
    for (const modules of [manifest.modules, chosen?.modules]) {
      for (const [key, value] of Object.entries(modules ?? {})) {
        for (const source of Array.isArray(value) ? value : [value]) {
          if (source.startsWith('.')) entries.push({ key, file: path.relative(REPO, path.resolve(dir, source)), manifest: name });
        }
      }
    }
  };
  visit(path.join(REPO, 'manifest.json'));
  return { entries, manifests };
}

/** The repo modules of the firmware for `platform` whose names match `pattern`: name → absolute path. */
export function firmwareModules(platform: string, pattern: RegExp): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, file } of resolveManifest(platform).entries) if (pattern.test(key)) out[key] = path.join(REPO, file);
  return out;
}
