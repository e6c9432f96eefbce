// Per-sender token buckets (tools layer): the cheap first defence of ingest,
// checked before any signature is verified. A sender that keeps exceeding its
// rate is flagged as flooding, which the gateway turns into a blocklist report.

export interface RateLimits {
  /** Sustained transactions per second per sender. */
  readonly perSecond: number;
  readonly burst: number;
  /** Rejections within `floodWindowMs` that make a sender a flooder. */
  readonly floodRejections: number;
  readonly floodWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = Object.freeze({ perSecond: 50, burst: 200, floodRejections: 500, floodWindowMs: 10_000 });

interface Bucket {
  tokens: number;
  updatedAt: number;
  rejections: number;
  windowStart: number;
}

export type RateVerdict = 'ok' | 'limited' | 'flood';

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly limits: RateLimits) {}

  take(sender: string, now: number): RateVerdict {
    let bucket = this.buckets.get(sender);
    if (!bucket) {
      bucket = { tokens: this.limits.burst, updatedAt: now, rejections: 0, windowStart: now };
      this.buckets.set(sender, bucket);
    }
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limits.perSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'ok';
    }
    if (now - bucket.windowStart > this.limits.floodWindowMs) {
      bucket.windowStart = now;
      bucket.rejections = 0;
    }
    // Report once per window: 'flood' exactly when the count reaches the threshold.
    return ++bucket.rejections === this.limits.floodRejections ? 'flood' : 'limited';
  }
}
