// Type of Moddable's ECMA-419 AHT10 temperature/humidity driver (device host layer), which
// the SDK's typings do not cover: only what board-esp32.ts and sensors-climate.ts use.
// Mapped to "embedded:sensor/Humidity-Temperature/AHT10" by manifest.json (for mcconfig)
// and by hosts/moddable/tsconfig.json.

export default class AHT10 {
  constructor(options: { sensor: Record<string, unknown> });
  sample(): { thermometer?: { temperature?: number }; hygrometer?: { humidity?: number } } | undefined;
  close(): void;
}
