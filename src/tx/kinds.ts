// Transaction kinds and reading quantities (core layer): closed sets, frozen so
// they preload into flash on XS. Numbers are wire values: never renumber.

export const TxKind = Object.freeze({
  /** A batch of sensor readings, signed by the device. */
  READINGS: 0,
  /** Enrol a device key, signed by the chain's operator. */
  ENROLL: 1,
  /** Revoke a device, signed by the operator. */
  REVOKE: 2,
  /** Replace the sender's own key, signed with the current key. */
  ROTATE_KEY: 3,
  /** Report a misbehaving device (DDoS use case), signed by a validator gateway. */
  BLOCK_REPORT: 4,
  /** Lift a block, signed by the operator or a validator gateway. */
  BLOCK_LIFT: 5,
  /** Call a method of a BoT contract. */
  INVOKE: 6,
  /** Change the validator set, signed by a validator, approved by the threshold of the current set. */
  GOVERN: 7,
} as const);

export type TxKind = (typeof TxKind)[keyof typeof TxKind];

export function isTxKind(value: number): value is TxKind {
  return Number.isInteger(value) && value >= TxKind.READINGS && value <= TxKind.GOVERN;
}

/** What a reading series measures; the value is mantissa × 10^scale in the unit given here. */
export const Quantity = Object.freeze({
  TEMPERATURE_C: 1,
  RELATIVE_HUMIDITY_PCT: 2,
  PRESSURE_PA: 3,
  ILLUMINANCE_LX: 4,
  VOLTAGE_V: 5,
  CO2_PPM: 6,
  BATTERY_PCT: 7,
  COUNT: 8,
} as const);

export type Quantity = (typeof Quantity)[keyof typeof Quantity];

/** Reasons a gateway gives when it reports a device (BLOCK_REPORT). */
export const BlockReason = Object.freeze({
  FLOOD: 1,
  INVALID_TRAFFIC: 2,
  COMPROMISED: 3,
  OTHER: 255,
} as const);

export type BlockReason = (typeof BlockReason)[keyof typeof BlockReason];
