import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, TestClock } from "effect"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import { ProviderError } from "../../src/domain/ProviderError.js"
import { CONTEXT_REFUSALS_TO_DROP, Limiter } from "../../src/provider/Limiter.js"
import { PROFILES } from "../../src/provider/profiles.js"
import { makePool } from "../../src/provider/ProviderPool.js"
import { requestSchemaViolation } from "../support/requestSchema.js"

interface Scripted {
  readonly status: number
  readonly body: unknown
  readonly headers?: Record<string, string>
}

const ok: Scripted = {
  status: 200,
  body: { choices: [{ index: 0, message: { role: "assistant", content: "done" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 1 } }
}

/** An in-memory HttpClient answering from a script, counting the requests it got. */
const scriptedHttp = (script: Array<Scripted>) => {
  const sent: Array<string> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() => {
        sent.push(request.url)
        const body = request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : undefined
        expect(requestSchemaViolation(body)).toBeUndefined()
        const next = script.shift() ?? ok
        return HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify(next.body), { status: next.status, headers: { "content-type": "application/json", ...next.headers } })
        )
      })
    )
  )
  return { sent, layer }
}

const pool = (retry = { attempts: 3, base_delay_ms: 1000, max_delay_ms: 60_000, unreachable_seconds: 120 }) =>
  makePool({
    members: [{
      endpoint: { name: "groq", profile: PROFILES.groq, settings: { ...DEFAULT_CONFIG.providers.groq, rpm: null, tpm: null, rpd: null, tpd: null }, apiKey: Option.none(), keyVar: "GROQ_API_KEY" },
      limiter: new Limiter({ rpm: null, rpd: null, tpm: null, tpd: null, maxConcurrency: 2 }, 0)
    }],
    retry,
    onExhausted: () => Effect.void
  })

const rateLimited = (retryAfter: string): Scripted => ({
  status: 429,
  body: { error: { message: "Rate limit reached for model `m` on requests per minute (RPM): Limit 30, Used 30, Requested 1.", type: "requests" } },
  headers: { "retry-after": retryAfter }
})

describe("the pool under a test clock", () => {
  it.scoped("honours retry-after on a 429: nothing is sent before it is up", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([rateLimited("30")])
      const client = yield* Effect.provide(pool(), http.layer)
      const fiber = yield* Effect.fork(client.complete({ messages: [{ role: "user", content: "hi" }] }))
      yield* TestClock.adjust("29 seconds")
      expect(http.sent).toHaveLength(1)
      const status = yield* client.status
      expect(status[0]!.state).toMatch(/^cooling [12] s$/)
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      expect(result.content).toBe("done")
      expect(result.attempts).toBe(1) // a 429 is paced, not counted as a failed attempt
      expect(http.sent).toHaveLength(2)
    }))

  it.scoped("retries a 503 on a schedule: a 1 s back-off waits, a second one doubles", () =>
    Effect.gen(function*() {
      const unavailable: Scripted = { status: 503, body: { error: { message: "Service Unavailable", type: "internal_server_error" } } }
      const http = scriptedHttp([unavailable, unavailable])
      const client = yield* Effect.provide(pool({ attempts: 3, base_delay_ms: 1000, max_delay_ms: 60_000, unreachable_seconds: 120 }), http.layer)
      const fiber = yield* Effect.fork(client.complete({ messages: [{ role: "user", content: "hi" }] }))
      yield* TestClock.adjust("100 millis")
      expect(http.sent).toHaveLength(1)
      yield* TestClock.adjust("1500 millis") // first back-off: 1 s with jitter (0.8–1.2 s)
      expect(http.sent).toHaveLength(2)
      yield* TestClock.adjust("3 seconds") // second back-off: about 2 s
      const result = yield* Fiber.join(fiber)
      expect([result.attempts, http.sent.length]).toEqual([3, 3])
    }))

  it.scoped("honours retry-after on a 503: nothing is sent before it is up, then it retries", () =>
    Effect.gen(function*() {
      const busy: Scripted = { status: 503, body: { error: { message: "Service Unavailable", type: "internal_server_error" } }, headers: { "retry-after": "30" } }
      const http = scriptedHttp([busy])
      const client = yield* Effect.provide(pool(), http.layer)
      const fiber = yield* Effect.fork(client.complete({ messages: [{ role: "user", content: "hi" }] }))
      // Without the header the schedule would have retried after about 1 s.
      yield* TestClock.adjust("29 seconds")
      expect(http.sent).toHaveLength(1)
      expect((yield* client.status)[0]!.state).toMatch(/^cooling [12] s$/)
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      expect([result.content, result.attempts, http.sent.length]).toEqual(["done", 2, 2])
    }))

  it.scoped("a retry-after of hours on a 5xx holds the provider back ten minutes at most", () =>
    Effect.gen(function*() {
      const maintenance: Scripted = { status: 502, body: { error: { message: "Bad Gateway" } }, headers: { "retry-after": "7200" } }
      const http = scriptedHttp([maintenance])
      const client = yield* Effect.provide(pool(), http.layer)
      const fiber = yield* Effect.fork(client.complete({ messages: [{ role: "user", content: "hi" }] }))
      yield* TestClock.adjust("599 seconds")
      expect(http.sent).toHaveLength(1)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).content).toBe("done")
      expect(http.sent).toHaveLength(2)
    }))

  it.scoped("a 60 s cool-down after a per-minute 429 without retry-after still ends", () =>
    Effect.gen(function*() {
      const http = scriptedHttp([rateLimited("60"), rateLimited("60")])
      const client = yield* Effect.provide(pool(), http.layer)
      const fiber = yield* Effect.fork(client.complete({ messages: [{ role: "user", content: "hi" }] }))
      yield* TestClock.adjust("121 seconds")
      expect((yield* Fiber.join(fiber)).content).toBe("done")
      expect(http.sent).toHaveLength(3)
      const status = yield* client.status
      expect(status[0]!.stats).toMatchObject({ requests: 3, rateLimited: 2, succeeded: 1 })
    }))
})

describe("a provider whose model's context is too small", () => {
  const overflow: Scripted = {
    status: 400,
    body: { object: "error", message: "This model's maximum context length is 2048 tokens. However, you requested 3012 tokens (12 in the messages, 3000 in the completion).", type: "BadRequestError", code: 400 }
  }
  /**
   * Two members on their own hosts: `small` refuses as too long every request whose prompt is longer
   * than `fits` characters (all of them by default), `roomy` answers everything.
   */
  const twoHosts = (fits = 0) => {
    const sent: Array<string> = []
    const layer = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          const host = new URL(request.url).host
          sent.push(host)
          const body = request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : {}
          const long = String(body.messages?.[0]?.content ?? "").length > fits
          const next = host === "small.local" && long ? overflow : ok
          return HttpClientResponse.fromWeb(request, new Response(JSON.stringify(next.body), { status: next.status, headers: { "content-type": "application/json" } }))
        })
      )
    )
    return { sent, layer }
  }
  const member = (name: "groq" | "together", host: string) => ({
    endpoint: {
      name,
      profile: PROFILES[name],
      settings: { ...DEFAULT_CONFIG.providers[name], base_url: `http://${host}/v1`, rpm: null, tpm: null, rpd: null, tpd: null },
      apiKey: Option.none(),
      keyVar: undefined
    },
    limiter: new Limiter({ rpm: null, rpd: null, tpm: null, tpd: null, maxConcurrency: 1 }, 0)
  })
  const retry = { attempts: 3, base_delay_ms: 10, max_delay_ms: 100, unreachable_seconds: 120 }
  const ask = (content: string) => ({ messages: [{ role: "user" as const, content }] })

  it.scoped("having served nothing, it drops out after its third refusal and the requests go to the other", () =>
    Effect.gen(function*() {
      const http = twoHosts()
      const client = yield* Effect.provide(makePool({ members: [member("groq", "small.local"), member("together", "roomy.local")], retry, onExhausted: () => Effect.void }), http.layer)
      const outcomes: Array<string> = []
      for (let i = 0; i < 8; i++) {
        const result = yield* Effect.either(client.complete(ask("hi")))
        outcomes.push(result._tag === "Right" ? result.right.provider : String(result.left.code))
      }
      expect(http.sent.filter((host) => host === "small.local")).toHaveLength(CONTEXT_REFUSALS_TO_DROP)
      expect(outcomes.filter((o) => o === "context_length_exceeded").length).toBeLessThan(CONTEXT_REFUSALS_TO_DROP)
      expect(outcomes.slice(-4)).toEqual(["together", "together", "together", "together"])
    }))

  it.scoped("alone, its refusals end in the code that stops a run, the remedy in the message", () =>
    Effect.gen(function*() {
      const http = twoHosts()
      const client = yield* Effect.provide(makePool({ members: [member("groq", "small.local")], retry, onExhausted: () => Effect.void }), http.layer)
      const errors: Array<ProviderError> = []
      for (let i = 0; i < CONTEXT_REFUSALS_TO_DROP + 2; i++) errors.push(yield* Effect.flip(client.complete(ask("hi"))))
      expect(errors.map((e) => e.code)).toEqual([
        ...Array.from({ length: CONTEXT_REFUSALS_TO_DROP - 1 }, () => "context_length_exceeded"),
        "no_provider",
        "no_provider",
        "no_provider"
      ])
      expect(errors.every((e) => e.message.includes("lower generation.max_tokens"))).toBe(true)
      expect(http.sent).toHaveLength(CONTEXT_REFUSALS_TO_DROP)
    }))

  it.scoped("one that has served requests stays: only the long ones fail", () =>
    Effect.gen(function*() {
      const http = twoHosts(10)
      const client = yield* Effect.provide(makePool({ members: [member("groq", "small.local")], retry, onExhausted: () => Effect.void }), http.layer)
      expect((yield* client.complete(ask("short"))).provider).toBe("groq")
      for (let i = 0; i < 2 * CONTEXT_REFUSALS_TO_DROP; i++) {
        expect((yield* Effect.flip(client.complete(ask("a prompt longer than the model's context")))).code).toBe("context_length_exceeded")
      }
      expect((yield* client.complete(ask("short"))).provider).toBe("groq")
    }))
})
