// XS entry of the MQTT codec benchmark (tools layer): bundled by tools/xs/xs-runner.ts
// (mqtt-packet on the core's shims) and run under XS; reports the figures.

import { MQTT_BUDGETS, runMqttCodecWorkload } from './mqtt-codec-workload.js';

declare const report: (value: unknown) => void;

report(runMqttCodecWorkload(MQTT_BUDGETS.xs));
