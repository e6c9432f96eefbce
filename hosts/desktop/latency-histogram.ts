// Latency percentiles for a fleet (desktop host layer): a fixed histogram, so a
// thousand devices finalising every second for hours cost a constant 80 KB and
// O(1) per sample instead of an ever-growing array to sort.
//
// 1 ms buckets up to 10 s, then 100 ms buckets up to 10 min; beyond that the
// sample counts in the last bucket. Percentiles are nearest-rank on the buckets,
// reported as the bucket's upper edge (never optimistic by more than a bucket).

const FINE_MS = 10_000;
const COARSE_STEP_MS = 100;
const COARSE_BUCKETS = (600_000 - FINE_MS) / COARSE_STEP_MS;

export class LatencyHistogram {
  private readonly buckets = new Float64Array(FINE_MS + COARSE_BUCKETS);
  private total = 0;
  private maxMs = 0;
  private sumMs = 0;

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxMs;
  }

  get mean(): number {
    return this.total === 0 ? Number.NaN : this.sumMs / this.total;
  }

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const value = Math.max(0, ms);
    const index = value < FINE_MS
      ? Math.floor(value)
      : Math.min(this.buckets.length - 1, FINE_MS + Math.floor((value - FINE_MS) / COARSE_STEP_MS));
    this.buckets[index]!++;
    this.total++;
    this.sumMs += value;
    if (value > this.maxMs) this.maxMs = value;
  }

  /** Nearest-rank percentile (0 < p ≤ 100) in ms, or NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) {
        const upper = i < FINE_MS ? i + 1 : FINE_MS + (i - FINE_MS + 1) * COARSE_STEP_MS;
        return Math.min(upper, this.maxMs);
      }
    }
    return this.maxMs;
  }
}
