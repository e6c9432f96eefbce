// Limits every contract's admission shares (core layer, contracts): sequence and time rules.

/** Largest allowed jump of a sender's sequence number. */
export const MAX_SEQ_JUMP = 4096;
/** Device clocks drift and batch times are sampling times, so only the future is bounded. */
export const MAX_FUTURE_SECONDS = 600;
