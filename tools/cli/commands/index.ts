// The botpeer subcommands (tools layer, Node only), in the order `botpeer --help` lists
// them. Each is a file in this folder exporting `command: Command` (command.ts); adding
// one is adding its file and its line here.

import type { Command } from './command.js';

export const COMMANDS: readonly Command[] = (await Promise.all([
  import('./start.js'),
  import('./sim.js'),
  import('./init.js'),
  import('./gateway.js'),
  import('./member.js'),
  import('./device.js'),
  import('./contract.js'),
  import('./broker.js'),
  import('./flash.js'),
  import('./block.js'),
  import('./tx.js'),
  import('./verify.js'),
  import('./provenance.js'),
  import('./balance.js'),
  import('./demo.js'),
  import('./state.js'),
])).map((module) => module.command);
