// The contracts of a BoT chain (core layer, contracts): one line each. Adding a contract is its
// folder under src/contracts/ and one line here. Ids (ContractId) and kinds must be unique; the
// test of the registry checks both.

import type { Contract } from './contract.js';
import { blocklist } from './blocklist/blocklist.js';
import { deployed } from './deployed/deployed.js';
import { deviceRegistry } from './device-registry/device-registry.js';
import { governance } from './governance/governance.js';
import { supplyChain } from './supply-chain/supply-chain.js';
import { transportCredits } from './transport-credits/transport-credits.js';

export const CONTRACTS: readonly Contract[] = Object.freeze([
  deviceRegistry,
  blocklist,
  governance,
  deployed,
  supplyChain,
  transportCredits,
]);
