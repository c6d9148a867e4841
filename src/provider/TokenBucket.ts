/**
 * A refilling bucket measured in whatever it paces (requests or tokens). `level` may go below zero: a
 * request larger than the bucket is let through when the bucket is full and leaves a debt that later
 * requests wait out, so no request is starved and the long-run rate still holds.
 */
export class TokenBucket {
  private level: number
  private updatedAt: number

  constructor(
    private capacity: number,
    /** Units per millisecond. */
    private ratePerMs: number,
    now: number,
    initial = capacity
  ) {
    this.level = Math.min(initial, capacity)
    this.updatedAt = now
  }

  static perMinute(limit: number, burstSeconds: number, now: number, initialSeconds = burstSeconds) {
    const rate = limit / 60_000
    return new TokenBucket(Math.max(1, rate * burstSeconds * 1000), rate, now, Math.max(1, rate * initialSeconds * 1000))
  }

  static perDay(limit: number, now: number) {
    return new TokenBucket(limit, limit / 86_400_000, now, limit)
  }

  private refill(now: number) {
    if (now > this.updatedAt) {
      this.level = Math.min(this.capacity, this.level + (now - this.updatedAt) * this.ratePerMs)
      this.updatedAt = now
    }
  }

  /** When `amount` may be taken (now, or later). */
  readyAt(amount: number, now: number): number {
    this.refill(now)
    const need = Math.min(amount, this.capacity)
    if (this.level >= need - 1e-9) return now
    return now + (need - this.level) / this.ratePerMs
  }

  take(amount: number, now: number) {
    this.refill(now)
    this.level -= amount
  }

  /** Gives back what a reservation did not use (or takes more, for a negative amount). */
  refund(amount: number, now: number) {
    this.refill(now)
    this.level = Math.min(this.capacity, this.level + amount)
  }

  /** The server says fewer are left than we think: believe it. */
  clampTo(remaining: number, now: number) {
    this.refill(now)
    if (remaining < this.level) this.level = remaining
  }

  /** Adopts a limit learned from the provider, keeping the bucket's fill ratio. */
  retune(capacity: number, ratePerMs: number, now: number) {
    this.refill(now)
    if (Math.abs(capacity - this.capacity) < 1e-9 && Math.abs(ratePerMs - this.ratePerMs) < 1e-12) return
    this.level = this.level * (capacity / this.capacity)
    this.capacity = capacity
    this.ratePerMs = ratePerMs
  }

  available(now: number): number {
    this.refill(now)
    return this.level
  }

  get rate(): number {
    return this.ratePerMs
  }
}
