import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { ProviderSettings } from "../../src/config/ConfigSchema.js"
import type { ChatRequest } from "../../src/provider/ChatRequest.js"
import { type EndpointConfig, send } from "../../src/provider/Endpoint.js"
import { PROFILES } from "../../src/provider/profiles.js"

const completion = { choices: [{ index: 0, message: { role: "assistant", content: "{\"turns\": []}" }, finish_reason: "stop" }] }

/**
 * A server that refuses the bodies `refuses` picks (by default `response_format: json_object`) with
 * `refusal` (by default LM Studio's own 400 body), and answers everything else; it keeps the bodies it got.
 */
const server = (
  refusal: unknown = { error: "'response_format.type' must be 'json_schema' or 'text'" },
  refuses: (body: Record<string, unknown>) => boolean = (body) => (body["response_format"] as { type?: string } | undefined)?.type === "json_object"
) => {
  const bodies: Array<Record<string, unknown>> = []
  const layer = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request) =>
      Effect.sync(() => {
        const body = request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : {}
        bodies.push(body)
        const refused = refuses(body)
        return HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify(refused ? refusal : completion), { status: refused ? 400 : 200, headers: { "content-type": "application/json" } })
        )
      })
    )
  )
  return { bodies, layer }
}

const endpoint = (settings: Partial<ProviderSettings> = {}): EndpointConfig => ({
  name: "openai",
  profile: PROFILES.openai,
  settings: { ...DEFAULT_CONFIG.providers.openai, base_url: "http://127.0.0.1:1234/v1", ...settings },
  apiKey: Option.none(),
  keyVar: undefined
})

const request: ChatRequest = { messages: [{ role: "user", content: "Write the conversation as JSON." }], response_format: { type: "json_object" } }

describe("a server that refuses the response format its profile claims", () => {
  it.effect("with json_mode auto: the request is sent again without it, and no format goes to that endpoint again", () =>
    Effect.gen(function*() {
      const lmStudio = server()
      const local = endpoint()
      const first = yield* send(local, request).pipe(Effect.provide(lmStudio.layer))
      expect(Either.isRight(first.outcome)).toBe(true)
      expect(lmStudio.bodies.map((b) => b["response_format"])).toEqual([{ type: "json_object" }, undefined])
      const second = yield* send(local, request).pipe(Effect.provide(lmStudio.layer))
      expect(Either.isRight(second.outcome)).toBe(true)
      expect(lmStudio.bodies).toHaveLength(3)
      expect(lmStudio.bodies[2]!["response_format"]).toBeUndefined()
      // Another endpoint has not refused anything: it still gets the format.
      yield* send(endpoint(), request).pipe(Effect.provide(lmStudio.layer))
      expect(lmStudio.bodies[3]!["response_format"]).toEqual({ type: "json_object" })
    }))

  it.effect("with json_mode json_object, as the user asked: the refusal is the answer, sent once", () =>
    Effect.gen(function*() {
      const lmStudio = server()
      const reply = yield* send(endpoint({ json_mode: "json_object" }), request).pipe(Effect.provide(lmStudio.layer))
      expect(Either.isLeft(reply.outcome) && reply.outcome.left).toMatchObject({ reason: "BadRequest", status: 400 })
      expect(Either.isLeft(reply.outcome) && reply.outcome.left.message).toContain("response_format.type")
      expect(lmStudio.bodies).toHaveLength(1)
    }))

  it.effect("a 400 about something else is not retried", () =>
    Effect.gen(function*() {
      const other = server({ error: "context length exceeded: 9000 > 8192 tokens" })
      const reply = yield* send(endpoint(), request).pipe(Effect.provide(other.layer))
      expect(Either.isLeft(reply.outcome) && reply.outcome.left.reason).toBe("BadRequest")
      expect(other.bodies).toHaveLength(1)
    }))

  it.effect("nor is JSON mode that was taken and failed by the sample (Groq's json_validate_failed), whatever it says", () =>
    Effect.gen(function*() {
      const failedSample = server({
        error: { message: "Failed to generate JSON for response_format json_object. Please adjust your prompt.", type: "invalid_request_error", code: "json_validate_failed", failed_generation: "{\"turns\": [" }
      })
      const reply = yield* send(endpoint(), request).pipe(Effect.provide(failedSample.layer))
      expect(Either.isLeft(reply.outcome) && reply.outcome.left).toMatchObject({ reason: "BadRequest", code: "json_validate_failed" })
      expect(failedSample.bodies).toHaveLength(1)
    }))
})

describe("reasoning_effort", () => {
  /** A server that refuses `reasoning_effort` as Groq does for a model that does not reason. */
  const refusing = () =>
    server({ error: { message: "`reasoning_effort` is not supported with this model", type: "invalid_request_error" } }, (body) => "reasoning_effort" in body)

  it.effect("is sent as configured; refused, the request goes again without it, and it is not sent to that endpoint again", () =>
    Effect.gen(function*() {
      const server = refusing()
      const local = endpoint({ reasoning_effort: "low" })
      const first = yield* send(local, request).pipe(Effect.provide(server.layer))
      expect(Either.isRight(first.outcome)).toBe(true)
      expect(server.bodies.map((b) => b["reasoning_effort"])).toEqual(["low", undefined])
      // The response format was not what was refused: it stays.
      expect(server.bodies[1]!["response_format"]).toEqual({ type: "json_object" })
      yield* send(local, request).pipe(Effect.provide(server.layer))
      expect(server.bodies).toHaveLength(3)
      expect(server.bodies[2]!["reasoning_effort"]).toBeUndefined()
    }))

  it.effect("null sends nothing", () =>
    Effect.gen(function*() {
      const server = refusing()
      yield* send(endpoint({ reasoning_effort: null }), request).pipe(Effect.provide(server.layer))
      expect(server.bodies).toHaveLength(1)
      expect("reasoning_effort" in server.bodies[0]!).toBe(false)
    }))
})
