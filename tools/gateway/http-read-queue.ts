// The queue in front of the HTTP API's reads (tools layer, Node only). The gateway answers
// HTTP on the thread that also ingests transactions, and a read is synchronous work (SQLite,
// CBOR decoding, JSON; tens of milliseconds for readings?limit=1000). Answered as they
// arrived, 500 concurrent readings requests ran back to back and held every ingest
// acknowledgement for 13.7 s. Here each read runs in its own turn of the event loop, and
// after a read the queue leaves the thread to everything else for as long as that read
// took, so reads take at most about half of the thread while they pile up: an ack needs
// several turns (broker, verify pool, store commit, publish), and one slow read per turn
// would still delay it by a second. A read that finds `maxQueued` others waiting is refused
// at once (the API answers 503) rather than queued without bound.

export class ReadQueue {
  private readonly jobs: (() => void)[] = [];
  private scheduled = false;
  private closed = false;
  /** Reads run so far. */
  served = 0;
  /** Reads refused because the queue was full. */
  refused = 0;

  constructor(readonly maxQueued: number) {}

  /** Reads waiting for their turn. */
  get queued(): number {
    return this.jobs.length;
  }

  /** Runs `job` in a later turn, after those queued before it; false (job dropped) when the queue is full or closed. */
  offer(job: () => void): boolean {
    if (this.closed || this.jobs.length >= this.maxQueued) {
      this.refused++;
      return false;
    }
    this.jobs.push(job);
    this.schedule();
    return true;
  }

  /** Drops what waits; later offers are refused. */
  close(): void {
    this.closed = true;
    this.jobs.length = 0;
  }

  private schedule(pauseMs = 0): void {
    if (this.scheduled || this.jobs.length === 0) return;
    this.scheduled = true;
    if (pauseMs >= 1) setTimeout(this.runOne, pauseMs);
    else setImmediate(this.runOne);
  }

  private readonly runOne = (): void => {
    this.scheduled = false;
    const job = this.jobs.shift();
    if (!job) return;
    this.served++;
    const start = performance.now();
    try {
      job();
    } finally {
      this.schedule(performance.now() - start); // also after a job that throws, so the queue never stalls
    }
  };
}
