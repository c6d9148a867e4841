/** How the fake provider enforces a per-minute limit: as providers that smooth it, or as a strict window. */
export type WindowMode = "bucket" | "sliding"

/**
 * A per-minute budget. `bucket`: a tenth of a minute's burst, refilled continuously. `sliding`: at most
 * `limit` units in any 60 s. `try` admits `amount` or says how long until it would fit.
 */
export class MinuteBudget {
  private level: number
  private updatedAt: number
  private readonly events: Array<{ at: number; amount: number }> = []

  constructor(readonly limit: number, readonly mode: WindowMode, now: number) {
    this.level = limit / 10
    this.updatedAt = now
  }

  private refill(now: number) {
    const capacity = this.limit / 10
    this.level = Math.min(capacity, this.level + ((now - this.updatedAt) * this.limit) / 60_000)
    this.updatedAt = now
  }

  private used(now: number): number {
    while (this.events.length > 0 && this.events[0]!.at <= now - 60_000) this.events.shift()
    return this.events.reduce((sum, e) => sum + e.amount, 0)
  }

  remaining(now: number): number {
    if (this.mode === "bucket") {
      this.refill(now)
      return Math.max(0, Math.floor(this.level))
    }
    return Math.max(0, this.limit - this.used(now))
  }

  /** Admits `amount` (recording it) or returns the ms until it would fit. */
  try(amount: number, now: number): { readonly ok: true } | { readonly ok: false; readonly waitMs: number } {
    if (this.mode === "bucket") {
      this.refill(now)
      const need = Math.min(amount, this.limit / 10)
      if (this.level + 1e-9 >= need) {
        this.level -= amount
        return { ok: true }
      }
      return { ok: false, waitMs: Math.ceil(((need - this.level) * 60_000) / this.limit) }
    }
    if (this.used(now) + amount <= this.limit) {
      this.events.push({ at: now, amount })
      return { ok: true }
    }
    const oldest = this.events[0]
    return { ok: false, waitMs: oldest === undefined ? 1000 : Math.max(1, oldest.at + 60_000 - now) }
  }

  /** Adjusts what an admitted request really cost (tokens known only after completion). */
  adjust(delta: number, now: number) {
    if (this.mode === "bucket") {
      this.refill(now)
      this.level -= delta
    } else this.events.push({ at: now, amount: delta })
  }

  /** Time until a full refill, for reset headers. */
  resetMs(now: number): number {
    if (this.mode === "bucket") {
      this.refill(now)
      return Math.max(0, ((this.limit / 10 - this.level) * 60_000) / this.limit)
    }
    const oldest = this.events[0]
    return oldest === undefined ? 0 : Math.max(0, oldest.at + 60_000 - now)
  }
}

/** `179560` → `"2m59.56s"`, as Groq writes durations. */
export const goDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms * 10) / 10}ms`
  const minutes = Math.floor(ms / 60_000)
  const rest = (ms - minutes * 60_000) / 1000
  return `${minutes > 0 ? `${minutes}m` : ""}${Math.round(rest * 100) / 100}s`
}
