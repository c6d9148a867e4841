import { parseGoDuration } from "./goDuration.js"

/** One rate-limit window as a response's headers describe it. */
export interface WindowInfo {
  readonly per: "second" | "minute" | "day"
  readonly limit?: number | undefined
  readonly remaining?: number | undefined
  /** Time until the window refills, in ms. */
  readonly resetMs?: number | undefined
}

export interface RateLimitInfo {
  readonly requests?: WindowInfo | undefined
  readonly tokens?: WindowInfo | undefined
  /** From `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
  readonly retryAfterMs?: number | undefined
}

/** How a provider spells its rate-limit headers. */
export type HeaderDialect = "groq" | "together" | "openai" | "none"

type Headers = Readonly<Record<string, string | undefined>>

const num = (value: string | undefined): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

const duration = (value: string | undefined): number | undefined => (value === undefined ? undefined : parseGoDuration(value))

const present = (window: WindowInfo): WindowInfo | undefined =>
  window.limit === undefined && window.remaining === undefined && window.resetMs === undefined ? undefined : window

/**
 * The wait a response asks for, in ms. A wait of zero or less (`retry-after: 0`, a date already past)
 * says nothing usable: it is read as absent, so the caller's own back-off applies, as OpenAI's SDKs do;
 * taken literally it would resend at once, again and again.
 */
export const retryAfterMs = (headers: Headers, now = Date.now()): number | undefined => {
  const positive = (ms: number | undefined) => (ms === undefined || !(ms > 0) ? undefined : ms)
  const ms = positive(num(headers["retry-after-ms"]))
  if (ms !== undefined) return ms
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  const seconds = num(value)
  if (seconds !== undefined) return positive(seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : positive(date - now)
}

/**
 * Reads what a response says about the limits. Groq: `-requests` are per **day**, `-tokens` per minute,
 * resets as Go durations. Together: `x-ratelimit-*` and `x-tokenlimit-*` per **second** (the
 * `-dynamic` values, when sent, are the ones in force). OpenAI and gateways copying it: per minute.
 */
export const readRateLimits = (dialect: HeaderDialect, headers: Headers, now = Date.now()): RateLimitInfo => {
  const retryAfter = retryAfterMs(headers, now)
  switch (dialect) {
    case "groq":
    case "openai": {
      const per = dialect === "groq" ? "day" : "minute"
      return {
        requests: present({
          per,
          limit: num(headers["x-ratelimit-limit-requests"]),
          remaining: num(headers["x-ratelimit-remaining-requests"]),
          resetMs: duration(headers["x-ratelimit-reset-requests"])
        }),
        tokens: present({
          per: "minute",
          limit: num(headers["x-ratelimit-limit-tokens"]),
          remaining: num(headers["x-ratelimit-remaining-tokens"]),
          resetMs: duration(headers["x-ratelimit-reset-tokens"])
        }),
        retryAfterMs: retryAfter
      }
    }
    case "together": {
      const pick = (name: string) => num(headers[`${name}-dynamic`]) ?? num(headers[name])
      return {
        requests: present({
          per: "second",
          limit: pick("x-ratelimit-limit"),
          remaining: pick("x-ratelimit-remaining"),
          resetMs: duration(headers["x-ratelimit-reset"])
        }),
        tokens: present({ per: "second", limit: pick("x-tokenlimit-limit"), remaining: pick("x-tokenlimit-remaining") }),
        retryAfterMs: retryAfter
      }
    }
    case "none":
      return { retryAfterMs: retryAfter }
  }
}
