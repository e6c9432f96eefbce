#!/usr/bin/env node
// Runs the botpeer command line (botpeer.ts) on plain Node: registers tsx's ESM loader,
// then imports the TypeScript entry. `node tools/cli/botpeer.mjs <command> …`
import { register } from 'tsx/esm/api';

register();
await import('./botpeer.ts');
