// The log port (core layer): a leveled line sink the host provides.

export const LogLevel = Object.freeze({ DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const);
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export type Log = (level: LogLevel, message: string) => void;
