// Each version's share of the requests to `/` over the last few seconds, across every server: what a
// release that only degrades under all the traffic (a leak, a pool sized for half the load) reads.
export class TrafficShare {
  private readonly windowMs: number;
  private readonly seen: { at: number; version: string }[] = [];

  constructor(windowMs = 5_000) {
    this.windowMs = windowMs;
  }

  served(version: string, now = Date.now()): void {
    this.seen.push({ at: now, version });
    this.forget(now);
  }

  /** 0..1; 0 when nothing was served in the window. */
  share(version: string, now = Date.now()): number {
    this.forget(now);
    if (this.seen.length === 0) return 0;
    return (
      this.seen.filter((s) => s.version === version).length / this.seen.length
    );
  }

  private forget(now: number): void {
    while (this.seen.length > 0 && this.seen[0]!.at < now - this.windowMs)
      this.seen.shift();
  }
}
