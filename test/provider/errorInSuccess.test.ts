import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted } from "effect"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { ChatRequest } from "../../src/provider/ChatRequest.js"
import { type EndpointConfig, errorInSuccess, send } from "../../src/provider/Endpoint.js"
import { PROFILES } from "../../src/provider/profiles.js"

const KEY = "sk-or-v1-recognisable-0123456789"

/** A gateway that answers 200 with the body given (and the headers given). */
const answering = (body: unknown, headers: Record<string, string> = {}) =>
  Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json", ...headers } })))
    )
  )

const endpoint: EndpointConfig = {
  name: "openai",
  profile: PROFILES.openai,
  settings: { ...DEFAULT_CONFIG.providers.openai, base_url: "http://127.0.0.1:1234/v1" },
  apiKey: Option.some(Redacted.make(KEY)),
  keyVar: "OPENAI_API_KEY"
}
const request: ChatRequest = { messages: [{ role: "user", content: "Write the conversation as JSON." }] }

const errorOf = (body: unknown, headers?: Record<string, string>) =>
  Effect.map(send(endpoint, request).pipe(Effect.provide(answering(body, headers))), (reply) => {
    if (Either.isRight(reply.outcome)) throw new Error("a 200 with an error body was taken for a completion")
    return reply.outcome.left
  })

/** Whether any 8 characters of the key appear in a text. */
const leaks = (text: string) => Array.from({ length: KEY.length - 7 }, (_, i) => KEY.slice(i, i + 8)).some((piece) => text.includes(piece))

describe("a key echoed where a message is clipped", () => {
  it.effect("is scrubbed before the clip, so no part of it survives", () =>
    Effect.gen(function*() {
      for (const filler of [250, 262, 270, 280, 290]) {
        const layer = Layer.succeed(
          HttpClient.HttpClient,
          HttpClient.make((request) =>
            Effect.succeed(HttpClientResponse.fromWeb(request, new Response(JSON.stringify({ error: { message: `${"x".repeat(filler)} bad key ${KEY} given` } }), { status: 400 })))
          )
        )
        const reply = yield* send(endpoint, request).pipe(Effect.provide(layer))
        const message = Either.isLeft(reply.outcome) ? reply.outcome.left.message : ""
        expect(message.length, String(filler)).toBeGreaterThan(200)
        expect(leaks(message), `${filler}: ${message.slice(-60)}`).toBe(false)
      }
    }))
})

describe("a 200 whose body is an error object (gateways such as OpenRouter)", () => {
  it.effect("is read as the error its code names: a rate limit waits as a 429 does", () =>
    Effect.gen(function*() {
      const error = yield* errorOf({ error: { message: "Rate limit exceeded: free-models-per-min", code: 429 } }, { "retry-after": "7" })
      expect(error).toMatchObject({ reason: "RateLimited", retryAfterMs: 7000 })
      expect(error.message).toContain("Rate limit exceeded: free-models-per-min")
      expect(error.message).toMatch(/^openai answered 200 with an error body \(code 429\): /)
    }))

  it.effect("a refused key is a refused key, named with its variable, the key never echoed", () =>
    Effect.gen(function*() {
      const error = yield* errorOf({ error: { message: `No auth credentials found for ${KEY}`, code: "401" } })
      expect(error.reason).toBe("Unauthorized")
      expect(error.message).toContain("OPENAI_API_KEY")
      expect(error.message).not.toContain(KEY)
    }))

  it.effect("without an HTTP code it is a server fault (tried again), saying what the server said", () =>
    Effect.gen(function*() {
      const error = yield* errorOf({ error: "upstream model overloaded" })
      expect(error.reason).toBe("Unavailable")
      expect(error.message).toMatch(/^openai answered 200 with an error body: .*upstream model overloaded/)
    }))

  it.effect("JSON that is neither a completion nor an error stays an unreadable response", () =>
    Effect.gen(function*() {
      const error = yield* errorOf({ result: "ok" })
      expect(error.reason).toBe("InvalidResponse")
      expect(error.message).toContain("not a chat completion")
    }))

  it("is recognised only without choices", () => {
    expect(errorInSuccess({ error: { code: 503 } })).toEqual({ status: 503, stated: true })
    expect(errorInSuccess({ error: { message: "x" }, status: 429 })).toEqual({ status: 429, stated: true })
    expect(errorInSuccess({ error: { code: "upstream_error" } })).toEqual({ status: 502, stated: false })
    expect(errorInSuccess({ error: { code: "context_length_exceeded" } })).toEqual({ status: 400, stated: false })
    expect(errorInSuccess({ error: null, choices: [] })).toBeUndefined()
    expect(errorInSuccess({ error: { code: 429 }, choices: [{ message: {} }] })).toBeUndefined()
    expect(errorInSuccess([{ error: 1 }])).toBeUndefined()
  })
})
