import { describe, expect, it } from "vitest"
import { ProviderError } from "../../src/domain/ProviderError.js"
import { Limiter, REFUSED_CONNECTIONS_TO_DROP, REFUSED_FOR_MS_TO_DROP, SAFETY } from "../../src/provider/Limiter.js"

const settings = { rpm: 60, rpd: null, tpm: null, tpd: null, maxConcurrency: 4 }
const rateLimited = (retryAfterMs?: number) =>
  new ProviderError({ provider: "groq", reason: "RateLimited", status: 429, message: "429", ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })

/** Drives a limiter like the pool does: send whenever it says so, for `ms`, answering at once. */
const drive = (limiter: Limiter, start: number, ms: number, tokens = 10) => {
  const sent: Array<number> = []
  let now = start
  while (now < start + ms) {
    const at = limiter.readyAt(tokens, now)
    if (at === Infinity) throw new Error("stuck")
    now = Math.max(now, Math.ceil(at))
    if (now >= start + ms) break
    const ticket = limiter.admit(tokens, now)
    sent.push(now)
    limiter.settle(ticket, { usage: { prompt_tokens: tokens, completion_tokens: 0 } }, {}, now)
  }
  return sent
}

describe("the limiter", () => {
  it("starts nearly empty: one request at once, not the minute's budget", () => {
    const limiter = new Limiter(settings, 0)
    expect(limiter.readyAt(10, 0)).toBe(0)
    limiter.admit(10, 0)
    expect(limiter.readyAt(10, 0)).toBeGreaterThan(900)
  })

  it("paces to just under the per-minute limit", () => {
    const sent = drive(new Limiter(settings, 0), 0, 10 * 60_000)
    expect(sent.length).toBeGreaterThanOrEqual(Math.floor(600 * SAFETY) - 1)
    expect(sent.length).toBeLessThanOrEqual(600)
    // no 60 s window ever holds more than the limit
    for (let i = 0; i + 60 < sent.length; i++) expect(sent[i + 60]! - sent[i]!).toBeGreaterThanOrEqual(60_000)
  })

  it("paces tokens per minute and refunds what a request did not use", () => {
    const limiter = new Limiter({ rpm: null, rpd: null, tpm: 6000, tpd: null, maxConcurrency: 10 }, 0)
    // Reserve 1000 (prompt + max_tokens) but use 200: the refund lets the next go sooner.
    const ticket = limiter.admit(1000, 0)
    const before = limiter.readyAt(1000, 0)
    limiter.settle(ticket, { usage: { prompt_tokens: 150, completion_tokens: 50 } }, {}, 0)
    expect(limiter.readyAt(1000, 0)).toBeLessThan(before)
  })

  it("honours retry-after on a 429 and halves concurrency", () => {
    const limiter = new Limiter({ ...settings, rpm: null }, 0)
    const ticket = limiter.admit(10, 0)
    limiter.settle(ticket, { error: rateLimited(30_000) }, { retryAfterMs: 30_000 }, 0)
    expect(limiter.readyAt(10, 1)).toBe(30_000)
    expect(limiter.state(1)).toEqual({ _tag: "cooling", until: 30_000 })
    // concurrency 4 → 2: two in flight fill it
    limiter.admit(10, 30_000)
    limiter.admit(10, 30_000)
    expect(limiter.readyAt(10, 30_000)).toBe(Infinity)
  })

  it("backs off exponentially on 429s without retry-after", () => {
    const limiter = new Limiter({ ...settings, rpm: null }, 0, () => 1)
    const waits: Array<number> = []
    let now = 0
    for (let i = 0; i < 4; i++) {
      const ticket = limiter.admit(10, now)
      limiter.settle(ticket, { error: rateLimited() }, {}, now)
      waits.push(limiter.readyAt(10, now) - now)
      now = limiter.readyAt(10, now)
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000])
  })

  it("learns limits and remaining budget from Groq's headers", () => {
    const limiter = new Limiter({ rpm: null, rpd: null, tpm: null, tpd: null, maxConcurrency: 4 }, 0)
    const first = limiter.admit(100, 0)
    limiter.settle(first, { usage: { prompt_tokens: 50, completion_tokens: 50 } }, {
      requests: { per: "day", limit: 1000, remaining: 500, resetMs: 180_000 },
      tokens: { per: "minute", limit: 6000, remaining: 0, resetMs: 7_000 }
    }, 0)
    // now paced at 6000 tokens/min with nothing left: a 500-token request waits about 5 s
    expect(limiter.readyAt(500, 0)).toBeCloseTo(500 / (6000 * SAFETY / 60_000), -1)
    const second = limiter.admit(100, 10_000)
    limiter.settle(second, {}, { requests: { per: "day", limit: 1000, remaining: 0, resetMs: 180_000 } }, 10_000)
    expect(limiter.state(10_001)).toMatchObject({ _tag: "exhausted", until: 190_000 })
    expect(limiter.usable(190_001)).toBe(true)
  })

  it("waits for a spent per-second window's reset, and never longer than a minute for one", () => {
    const limiter = new Limiter({ rpm: null, rpd: null, tpm: null, tpd: null, maxConcurrency: 4 }, 0)
    limiter.settle(limiter.admit(1, 0), {}, { requests: { per: "second", limit: 10, remaining: 0, resetMs: 1_000 } }, 0)
    expect(limiter.state(0)).toEqual({ _tag: "cooling", until: 1_000 })
    // Together does not document the unit of x-ratelimit-reset: an epoch time read as seconds is not a 56-year wait.
    limiter.settle(limiter.admit(1, 2_000), {}, { requests: { per: "second", limit: 10, remaining: 0, resetMs: 1_769_452_800_000 } }, 2_000)
    expect(limiter.state(2_000)).toEqual({ _tag: "cooling", until: 62_000 })
    expect(limiter.usable(62_001)).toBe(true)
  })

  it("treats a spent daily budget as exhausted, not as a long sleep", () => {
    const limiter = new Limiter({ rpm: null, rpd: 2, tpm: null, tpd: null, maxConcurrency: 4 }, 0)
    const first = limiter.admit(1, 0)
    const second = limiter.admit(1, 0)
    // while requests are in flight their reservations may come back: wait, do not give up yet
    expect(limiter.readyAt(1, 0)).toBe(Infinity)
    expect(limiter.state(0)._tag).toBe("ready")
    limiter.settle(first, {}, {}, 0)
    limiter.settle(second, {}, {}, 0)
    expect(limiter.readyAt(1, 0)).toBe(Infinity)
    expect(limiter.state(0)._tag).toBe("exhausted")
  })

  it("an unauthorized provider is out for good", () => {
    const limiter = new Limiter(settings, 0)
    const ticket = limiter.admit(1, 0)
    limiter.settle(ticket, { error: new ProviderError({ provider: "groq", reason: "Unauthorized", status: 401, message: "no" }) }, {}, 0)
    expect(limiter.usable(10 ** 12)).toBe(false)
  })

  it("steps a failing provider aside after three failures in a row", () => {
    const limiter = new Limiter({ ...settings, rpm: null }, 0, () => 1)
    for (let i = 0; i < 3; i++) {
      const ticket = limiter.admit(1, 0)
      limiter.settle(ticket, { error: new ProviderError({ provider: "x", reason: "Unavailable", status: 500, message: "500" }) }, {}, 0)
    }
    expect(limiter.state(0)).toEqual({ _tag: "cooling", until: 5000 })
  })

  it("drops a provider that has not answered at all for unreachableAfterMs; any HTTP answer resets the clock", () => {
    const limiter = new Limiter({ ...settings, rpm: null, unreachableAfterMs: 60_000 }, 0)
    const refused = new ProviderError({ provider: "groq", reason: "Unavailable", message: "cannot reach groq at http://127.0.0.1:9 (ECONNREFUSED)" })
    const fail = (at: number, error: ProviderError) => limiter.settle(limiter.admit(10, at), { error }, {}, at)
    for (let t = 0; t < 50_000; t += 10_000) fail(t, refused)
    expect(limiter.state(50_000)._tag).not.toBe("dead")
    // A 503 is an answer: the provider is there, only unwell.
    fail(55_000, new ProviderError({ provider: "groq", reason: "Unavailable", status: 503, message: "503" }))
    for (let t = 60_000; t < 115_000; t += 10_000) fail(t, refused)
    expect(limiter.state(115_000)._tag).not.toBe("dead")
    fail(125_000, refused)
    const state = limiter.state(125_000)
    expect(state._tag).toBe("dead")
    expect(state._tag === "dead" && state.error).toMatchObject({ reason: "Unavailable", code: "unreachable" })
    expect(state._tag === "dead" && state.error.message).toMatch(/^groq has not answered for 65 s \(cannot reach groq .*\); check the network and providers\.groq\.base_url/)
    // Without the setting (tests, the judge's own pool) it never drops for silence.
    const patient = new Limiter({ ...settings, rpm: null }, 0)
    for (let t = 0; t < 600_000; t += 10_000) patient.settle(patient.admit(10, t), { error: refused }, {}, t)
    expect(patient.state(600_000)._tag).not.toBe("dead")
  })
})

describe("a provider with no server at its address", () => {
  const refused = new ProviderError({ provider: "ollama", reason: "Unavailable", code: "connection_refused", message: "nothing is listening at http://localhost:11434/v1 (connection refused)" })
  const failOnce = (limiter: Limiter, now: number, error: ProviderError) => limiter.settle(limiter.admit(10, now), { error }, {}, now)

  it("drops out after three refused connections in a row, over ten seconds, when it never served anything", () => {
    const limiter = new Limiter({ ...settings, rpm: null }, 0)
    // Many refusals at once (four requests in flight) are not yet a verdict: a server may be loading.
    for (let i = 0; i < 5; i++) failOnce(limiter, i, refused)
    expect(limiter.state(10)._tag).not.toBe("dead")
    failOnce(limiter, REFUSED_FOR_MS_TO_DROP - 1, refused)
    expect(limiter.state(REFUSED_FOR_MS_TO_DROP)._tag).not.toBe("dead")
    failOnce(limiter, REFUSED_FOR_MS_TO_DROP, refused)
    expect(limiter.state(REFUSED_FOR_MS_TO_DROP + 1)).toMatchObject({ _tag: "dead" })
    expect(REFUSED_CONNECTIONS_TO_DROP).toBeLessThanOrEqual(7)
  })

  it("a server that has served requests and then refuses connections (a restart) stays, paced back", () => {
    const limiter = new Limiter({ ...settings, rpm: null }, 0)
    limiter.settle(limiter.admit(10, 0), { usage: { prompt_tokens: 10, completion_tokens: 5 } }, {}, 0)
    for (let i = 1; i <= 5; i++) failOnce(limiter, i, refused)
    expect(limiter.state(6)._tag).not.toBe("dead")
  })
})
