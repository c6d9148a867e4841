import { ProviderError } from "../domain/ProviderError.js"
import { MODEL_NOT_SERVED, OVERSIZED_CODES } from "./classify.js"
import { CONNECTION_REFUSED } from "./connectionRefused.js"

/** Context refusals, with no request ever served, after which a provider's model is taken as too small. */
export const CONTEXT_REFUSALS_TO_DROP = 3
/**
 * Refused connections in a row, with nothing ever served, after which a provider is taken to have no
 * server at all (a local server not started): seconds of retries, not `unreachable_seconds`.
 */
export const REFUSED_CONNECTIONS_TO_DROP = 3
/** ...and for at least this long: a server that opens its port only once its model is loaded gets that long. */
export const REFUSED_FOR_MS_TO_DROP = 10_000
import type { RateLimitInfo, WindowInfo } from "./rateLimitHeaders.js"
import { TokenBucket } from "./TokenBucket.js"

export interface LimiterSettings {
  readonly rpm: number | null
  readonly rpd: number | null
  readonly tpm: number | null
  readonly tpd: number | null
  readonly maxConcurrency: number
  /** First cool-down of a provider that failed three times in a row (doubling after). */
  readonly failureCooldownMs?: number
  /** No answer at all for this long (and three failures in a row): the provider drops out. */
  readonly unreachableAfterMs?: number
}

/** Pace a little under the limit so clock skew and latency jitter never tip a window over. */
export const SAFETY = 0.97
/** Burst allowance of the per-minute buckets: two seconds' worth, never the whole minute. */
const BURST_SECONDS = 2
const TOKEN_BURST_SECONDS = 10
const MAX_COOLDOWN_MS = 60_000
const DAY_MS = 86_400_000
/** The longest a retry-after on a 5xx or 408 holds a provider back (a maintenance notice of hours is tried again sooner). */
const MAX_FAULT_RETRY_AFTER_MS = 600_000

/** A reservation made when a request is admitted, settled (once) when its answer arrives. */
export interface Ticket {
  readonly tokens: number
  readonly at: number
  settled: boolean
}

export type LimiterState =
  | { readonly _tag: "ready" }
  | { readonly _tag: "cooling"; readonly until: number }
  | { readonly _tag: "exhausted"; readonly until: number; readonly message: string }
  | { readonly _tag: "dead"; readonly error: ProviderError }

export interface LimiterStats {
  requests: number
  /** Sends that were a retry of an earlier one (after a 429, a fault, or another provider dropping out). */
  retries: number
  succeeded: number
  failed: number
  rateLimited: number
  promptTokens: number
  completionTokens: number
}

/**
 * The pacing state of one provider and model: token buckets for requests and tokens per minute and
 * per day, adaptive concurrency, cool-downs after 429s and failures, and what the response headers
 * said. Plain and synchronous (times are passed in) so that the pool can drive it under any clock.
 */
export class Limiter {
  private rpm: TokenBucket | undefined
  private tpm: TokenBucket | undefined
  private rpd: TokenBucket | undefined
  private tpd: TokenBucket | undefined
  private inFlight = 0
  private concurrency: number
  private cooldownUntil = 0
  private exhausted: { until: number; message: string } | undefined
  private dead: ProviderError | undefined
  private rateLimitStreak = 0
  private contextRefusals = 0
  private refusedConnections = 0
  private refusedSince: number | undefined
  private failureStreak = 0
  /** Since when nothing has come back but failures to connect or time-outs (undefined after any answer). */
  private silentSince: number | undefined
  readonly stats: LimiterStats = { requests: 0, retries: 0, succeeded: 0, failed: 0, rateLimited: 0, promptTokens: 0, completionTokens: 0 }

  constructor(private readonly settings: LimiterSettings, now: number, private readonly random: () => number = Math.random) {
    if (settings.rpm !== null) this.rpm = TokenBucket.perMinute(settings.rpm * SAFETY, BURST_SECONDS, now, 0)
    if (settings.tpm !== null) this.tpm = TokenBucket.perMinute(settings.tpm * SAFETY, TOKEN_BURST_SECONDS, now)
    if (settings.rpd !== null) this.rpd = TokenBucket.perDay(settings.rpd, now)
    if (settings.tpd !== null) this.tpd = TokenBucket.perDay(settings.tpd, now)
    this.concurrency = settings.maxConcurrency
  }

  state(now: number): LimiterState {
    if (this.dead !== undefined) return { _tag: "dead", error: this.dead }
    if (this.exhausted !== undefined) {
      if (now < this.exhausted.until) return { _tag: "exhausted", ...this.exhausted }
      this.exhausted = undefined
    }
    return now < this.cooldownUntil ? { _tag: "cooling", until: this.cooldownUntil } : { _tag: "ready" }
  }

  /** Whether this provider can take requests at all (now or after waiting). */
  usable(now: number): boolean {
    const state = this.state(now)
    return state._tag === "ready" || state._tag === "cooling"
  }

  /**
   * When a request of `tokens` (prompt estimate + max_tokens) could be sent: `now` or a later time,
   * or `Infinity` while every concurrency slot is taken (a release will tell).
   */
  readyAt(tokens: number, now: number): number {
    if (!this.usable(now)) return Infinity
    if (this.inFlight >= Math.floor(this.concurrency)) return Infinity
    let at = Math.max(now, this.cooldownUntil)
    if (this.rpm !== undefined) at = Math.max(at, this.rpm.readyAt(1, now))
    if (this.tpm !== undefined) at = Math.max(at, this.tpm.readyAt(tokens, now))
    for (const [bucket, amount, what] of [[this.rpd, 1, "requests"], [this.tpd, tokens, "tokens"]] as const) {
      if (bucket === undefined) continue
      const ready = bucket.readyAt(amount, now)
      // A daily budget that needs more than a few minutes to come back is spent for now; while requests
      // are in flight their unused reservations may still come back, so wait for them first.
      if (ready - now > 5 * 60_000) {
        if (this.inFlight > 0) return Infinity
        this.exhausted = { until: ready, message: `daily ${what} budget used up` }
        return Infinity
      }
      at = Math.max(at, ready)
    }
    return at
  }

  /** Takes the reservation; call only when `readyAt` said now. */
  admit(tokens: number, now: number): Ticket {
    this.rpm?.take(1, now)
    this.tpm?.take(tokens, now)
    this.rpd?.take(1, now)
    this.tpd?.take(tokens, now)
    this.inFlight++
    this.stats.requests++
    return { tokens, at: now, settled: false }
  }

  /** Settles a reservation with what happened and what the headers said. */
  settle(
    ticket: Ticket,
    outcome: { readonly usage?: { prompt_tokens: number; completion_tokens: number } | undefined; readonly error?: ProviderError | undefined },
    limits: RateLimitInfo,
    now: number
  ) {
    if (ticket.settled) return
    ticket.settled = true
    this.inFlight = Math.max(0, this.inFlight - 1)
    const used = outcome.usage === undefined ? undefined : outcome.usage.prompt_tokens + outcome.usage.completion_tokens
    if (used !== undefined) {
      this.tpm?.refund(ticket.tokens - used, now)
      this.tpd?.refund(ticket.tokens - used, now)
      this.stats.promptTokens += outcome.usage!.prompt_tokens
      this.stats.completionTokens += outcome.usage!.completion_tokens
    } else if (outcome.error !== undefined && outcome.error.status !== undefined && outcome.error.status >= 400) {
      // The server refused it before generating anything: the tokens were not spent.
      this.tpm?.refund(ticket.tokens, now)
      this.tpd?.refund(ticket.tokens, now)
    }
    this.learn(limits, now)
    const error = outcome.error
    // Any HTTP answer, even an error, shows the provider is there.
    const silent = error !== undefined && error.status === undefined && (error.reason === "Unavailable" || error.reason === "Timeout")
    if (!silent) this.silentSince = undefined
    else this.silentSince ??= ticket.at
    if (error === undefined) {
      this.stats.succeeded++
      this.rateLimitStreak = 0
      this.failureStreak = 0
      this.concurrency = Math.min(this.settings.maxConcurrency, this.concurrency + 1 / Math.max(1, this.concurrency))
      return
    }
    this.stats.failed++
    switch (error.reason) {
      case "RateLimited": {
        this.stats.rateLimited++
        this.rateLimitStreak++
        this.concurrency = Math.max(1, this.concurrency / 2)
        this.rpm?.clampTo(0, now)
        this.cooldownUntil = Math.max(this.cooldownUntil, now + (error.retryAfterMs ?? this.backoff(this.rateLimitStreak)))
        return
      }
      case "QuotaExhausted":
        this.exhausted = { until: now + (error.retryAfterMs ?? DAY_MS), message: error.message }
        return
      case "Unauthorized":
        this.dead = error
        return
      case "Unavailable":
      case "Timeout":
      case "InvalidResponse": {
        if (error.status === 503 || error.status === 498) this.concurrency = Math.max(1, this.concurrency / 2)
        // Its retry-after on a 5xx holds the provider back that long (capped: a retry after the cap is harmless).
        if (error.retryAfterMs !== undefined) {
          this.cooldownUntil = Math.max(this.cooldownUntil, now + Math.min(error.retryAfterMs, MAX_FAULT_RETRY_AFTER_MS))
        }
        this.failureStreak++
        this.refusedConnections = error.code === CONNECTION_REFUSED ? this.refusedConnections + 1 : 0
        this.refusedSince = this.refusedConnections === 0 ? undefined : this.refusedSince ?? ticket.at
        if (this.refusedConnections >= REFUSED_CONNECTIONS_TO_DROP && now - this.refusedSince! >= REFUSED_FOR_MS_TO_DROP && this.stats.succeeded === 0) {
          this.dead = error
          return
        }
        const limit = this.settings.unreachableAfterMs
        if (silent && limit !== undefined && this.failureStreak >= 3 && now - this.silentSince! >= limit) {
          this.dead = new ProviderError({
            provider: error.provider,
            reason: "Unavailable",
            code: "unreachable",
            message: `${error.provider} has not answered for ${Math.round((now - this.silentSince!) / 1000)} s (${error.message}); check the network and providers.${error.provider}.base_url, then run again to resume`
          })
          return
        }
        // A provider that keeps failing steps aside for a while; the pool carries on without it.
        if (this.failureStreak >= 3) {
          const base = this.settings.failureCooldownMs ?? 5000
          this.cooldownUntil = Math.max(this.cooldownUntil, now + this.backoff(this.failureStreak - 2, base))
        }
        return
      }
      case "BadRequest":
        // A wrong model or base URL (a 404, a retired model): every request would fail the same way.
        if (error.code === MODEL_NOT_SERVED) this.dead = error
        // A context refusal is about one request's size. A provider that has refused several and
        // served none has a model too small for this run's requests; one that has served others only
        // fails the long ones.
        if (OVERSIZED_CODES.has(error.code ?? "") && ++this.contextRefusals >= CONTEXT_REFUSALS_TO_DROP && this.stats.succeeded === 0) this.dead = error
        return
    }
  }

  /** Marks the provider exhausted until `until` (a state read from a previous run). */
  markExhausted(until: number, message: string) {
    this.exhausted = { until, message }
  }

  exhaustion(): { until: number; message: string } | undefined {
    return this.exhausted
  }

  private backoff(streak: number, base = 1000): number {
    const capped = Math.min(MAX_COOLDOWN_MS, base * 2 ** (streak - 1))
    return capped * (0.75 + 0.25 * this.random())
  }

  private learn(limits: RateLimitInfo, now: number) {
    this.learnWindow(limits.requests, "requests", now)
    this.learnWindow(limits.tokens, "tokens", now)
  }

  private learnWindow(window: WindowInfo | undefined, what: "requests" | "tokens", now: number) {
    if (window === undefined) return
    const perMinute = window.per === "second" ? 60 : window.per === "minute" ? 1 : undefined
    if (perMinute !== undefined) {
      const limit = window.limit === undefined ? undefined : window.limit * perMinute * SAFETY
      const current = what === "requests" ? this.rpm : this.tpm
      if (limit !== undefined && limit > 0) {
        const burst = what === "requests" ? BURST_SECONDS : TOKEN_BURST_SECONDS
        const rate = limit / 60_000
        if (current === undefined) {
          const bucket = TokenBucket.perMinute(limit, burst, now, what === "requests" ? 0 : burst)
          if (what === "requests") this.rpm = bucket
          else this.tpm = bucket
        } else current.retune(Math.max(1, rate * burst * 1000), rate, now)
      }
      if (what === "tokens") {
        // Fewer tokens left than our bucket holds: believe the server.
        if (window.remaining !== undefined) this.tpm?.clampTo(window.remaining, now)
      } else if (window.remaining !== undefined && window.remaining < 1 && window.resetMs !== undefined) {
        // The window's requests are spent: nothing more until it resets. (The bucket already paces the
        // rate; clamping it to a window count would double the wait.) A reset longer than a minute on a
        // per-second or per-minute window is not one (an epoch time where seconds were meant): capped.
        this.cooldownUntil = Math.max(this.cooldownUntil, now + Math.min(window.resetMs, MAX_COOLDOWN_MS))
      }
      return
    }
    // Per day (Groq's request headers).
    const current = what === "requests" ? this.rpd : this.tpd
    if (window.limit !== undefined && window.limit > 0) {
      if (current === undefined) {
        const bucket = TokenBucket.perDay(window.limit, now)
        if (what === "requests") this.rpd = bucket
        else this.tpd = bucket
      } else current.retune(window.limit, window.limit / DAY_MS, now)
    }
    const bucket = what === "requests" ? this.rpd : this.tpd
    if (window.remaining !== undefined) {
      bucket?.clampTo(window.remaining, now)
      if (window.remaining < 1) {
        this.exhausted = { until: now + (window.resetMs ?? DAY_MS), message: `daily ${what} limit reached (remaining 0)` }
      }
    }
  }
}

/** A limiter for a provider as configured. */
export const limiterFor = (
  settings: { readonly rpm: number | null; readonly rpd: number | null; readonly tpm: number | null; readonly tpd: number | null; readonly max_concurrency: number },
  now: number,
  failureCooldownMs?: number,
  unreachableAfterMs?: number
) =>
  new Limiter({
    rpm: settings.rpm,
    rpd: settings.rpd,
    tpm: settings.tpm,
    tpd: settings.tpd,
    maxConcurrency: settings.max_concurrency,
    ...(failureCooldownMs === undefined ? {} : { failureCooldownMs }),
    ...(unreachableAfterMs === undefined ? {} : { unreachableAfterMs })
  }, now)
