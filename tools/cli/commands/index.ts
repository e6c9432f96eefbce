// The botpeer subcommands (tools layer, Node only), in the order `botpeer --help` lists
// them. Adding a command: a file in this folder exporting a Command, imported here and
// named in COMMANDS.

import type { Command } from './command.js';
import { blockCommand } from './block.js';
import { deviceCommand } from './device.js';
import { flashCommand } from './flash.js';
import { gatewayCommand } from './gateway.js';
import { initCommand } from './init.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';
import { txCommand } from './tx.js';
import { verifyCommand } from './verify.js';

export const COMMANDS: readonly Command[] = [
  startCommand, simCommand, initCommand, gatewayCommand, deviceCommand, flashCommand, blockCommand, txCommand, verifyCommand,
];
