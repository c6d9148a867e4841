import { providerVariable } from "../config/envOverrides.js"
import { CONNECTION_REFUSED, connectionRefused } from "./connectionRefused.js"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Duration, Effect, Either, Option, Redacted, Schema } from "effect"
import type { ProviderSettings } from "../config/ConfigSchema.js"
import { ProviderError } from "../domain/ProviderError.js"
import type { ProviderName } from "../domain/ProviderName.js"
import type { ChatRequest } from "./ChatRequest.js"
import { ChatResponse } from "./ChatResponse.js"
import { classifyHttpError, CONTEXT_CODES } from "./classify.js"
import { parseErrorBody } from "./errorBody.js"
import { apiRoot, displayUrl, type ProviderProfile } from "./profiles.js"
import { type RateLimitInfo, readRateLimits } from "./rateLimitHeaders.js"
import { wireBody } from "./wireBody.js"

/** One provider as configured: where to send, with which key (kept redacted), and how it behaves. */
export interface EndpointConfig {
  readonly name: ProviderName
  readonly profile: ProviderProfile
  readonly settings: ProviderSettings
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly keyVar: string | undefined
}

/** Everything one send told us: the outcome and the limits its headers reported. */
export interface Reply {
  readonly outcome: Either.Either<ChatResponse, ProviderError>
  readonly limits: RateLimitInfo
  readonly status: number | undefined
}

/** Removes the key from any text a provider sends back (some echo a part of it). */
const scrub = (text: string, key: Option.Option<Redacted.Redacted<string>>): string =>
  Option.match(key, {
    onNone: () => text,
    onSome: (redacted) => {
      const value = Redacted.value(redacted)
      return value.length < 6 ? text : text.split(value).join("[redacted]")
    }
  })

const decodeResponse = Schema.decodeUnknownEither(ChatResponse)

/**
 * The status a 2xx body that holds an `error` and no `choices` stands for: its `code` (or `status`)
 * when that is an HTTP error status, else 502 (a fault of the server's, tried again).
 */
export const errorInSuccess = (json: unknown): { readonly status: number; readonly stated: boolean } | undefined => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const record = json as Record<string, unknown>
  const error = record["error"]
  if (error === undefined || error === null || (Array.isArray(record["choices"]) && record["choices"].length > 0)) return undefined
  const inner = typeof error === "object" ? (error as Record<string, unknown>) : {}
  // A context refusal by its code is the 400 it stands for.
  if (CONTEXT_CODES.has(String(inner["code"] ?? "")) || CONTEXT_CODES.has(String(inner["type"] ?? ""))) return { status: 400, stated: false }
  for (const value of [inner["code"], inner["status"], record["status"]]) {
    const code = typeof value === "number" ? value : typeof value === "string" && /^\d{3}$/.test(value) ? Number(value) : NaN
    if (Number.isInteger(code) && code >= 400 && code < 600) return { status: code, stated: true }
  }
  return { status: 502, stated: false }
}

/** Endpoints that refused a `response_format` the profile said they take (LM Studio, some routed models). */
const refusesFormat = new WeakSet<EndpointConfig>()
/** Endpoints that refused `reasoning_effort` (a model that does not reason, a server that does not know it). */
const refusesEffort = new WeakSet<EndpointConfig>()

const FORMAT_REFUSAL = /response[_ .]?format|json_object|json_schema/i
const EFFORT_REFUSAL = /reasoning[_ .]?effort/i

/**
 * A 400 or 422 whose message names `field`: the server does not take it, the request is fine. Not
 * Groq's `json_validate_failed`: JSON mode was taken, and this sample failed it.
 */
const refused = (reply: Reply, field: RegExp) =>
  Either.isLeft(reply.outcome) && reply.outcome.left.reason === "BadRequest" && reply.outcome.left.code !== "json_validate_failed" &&
  (reply.status === 400 || reply.status === 422) && field.test(reply.outcome.left.message)

/**
 * Sends one `/chat/completions` request and always succeeds with a `Reply`: transport faults,
 * time-outs and error statuses become typed `ProviderError`s, so the pool sees every outcome and
 * every response's headers alike. With `json_mode: auto`, an endpoint that refuses the response format
 * its profile claims gets the request again without it, and no format from then on: the prompt asks
 * for JSON in words as well, and the parser reads JSON from free text. An endpoint that refuses the
 * configured `reasoning_effort` is treated the same way: the setting is a preference, not a need.
 */
export const send = (endpoint: EndpointConfig, request: ChatRequest): Effect.Effect<Reply, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const { response_format: format, reasoning_effort: effort, ...plain } = wireBody(endpoint.profile, endpoint.settings, request)
    const body: Record<string, unknown> = { ...plain }
    if (effort !== undefined && !refusesEffort.has(endpoint)) body["reasoning_effort"] = effort
    if (format !== undefined && !refusesFormat.has(endpoint)) body["response_format"] = format
    let reply = yield* sendBody(endpoint, request, body)
    // One refusal names one field; a server refusing both answers twice, then takes the plain request.
    for (let tries = 0; tries < 2; tries++) {
      if ("reasoning_effort" in body && refused(reply, EFFORT_REFUSAL)) {
        refusesEffort.add(endpoint)
        delete body["reasoning_effort"]
      } else if ("response_format" in body && endpoint.settings.json_mode === "auto" && refused(reply, FORMAT_REFUSAL)) {
        refusesFormat.add(endpoint)
        delete body["response_format"]
      } else return reply
      reply = yield* sendBody(endpoint, request, body)
    }
    return reply
  })

const sendBody = (endpoint: EndpointConfig, request: ChatRequest, body: Record<string, unknown>): Effect.Effect<Reply, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const { name, profile, settings } = endpoint
    const model = request.model ?? settings.model
    const fail = (reason: ProviderError["reason"], message: string, status?: number, code?: string): Reply => ({
      outcome: Either.left(
        new ProviderError({ provider: name, reason, message: scrub(message, endpoint.apiKey), ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) })
      ),
      limits: {},
      status
    })
    let httpRequest = HttpClientRequest.post(`${apiRoot(profile, settings.base_url)}/chat/completions`).pipe(
      HttpClientRequest.acceptJson,
      HttpClientRequest.bodyUnsafeJson(body)
    )
    if (Option.isSome(endpoint.apiKey)) httpRequest = HttpClientRequest.bearerToken(httpRequest, endpoint.apiKey.value)

    const exchange = Effect.gen(function*() {
      const response = yield* client.execute(httpRequest)
      const text = yield* response.text
      return { status: response.status, headers: response.headers as Record<string, string>, text }
    })
    const result = yield* exchange.pipe(
      Effect.timeout(Duration.seconds(settings.timeout_seconds)),
      Effect.either
    )
    if (Either.isLeft(result)) {
      const error = result.left
      if (error._tag === "TimeoutException") {
        return fail("Timeout", `${name} did not answer within ${settings.timeout_seconds} s; raise providers.${name}.timeout_seconds or try later`)
      }
      if (error._tag === "RequestError") {
        if (connectionRefused(error.cause)) {
          return fail(
            "Unavailable",
            `nothing is listening at ${displayUrl(settings.base_url)} (connection refused): start the server, or point providers.${name}.base_url (or ${providerVariable(name, "base_url") ?? "its base URL variable"}) at it`,
            undefined,
            CONNECTION_REFUSED
          )
        }
        return fail("Unavailable", `cannot reach ${name} at ${displayUrl(settings.base_url)} (${error.cause instanceof Error ? error.cause.message : error.reason})`)
      }
      return fail("InvalidResponse", `${name} sent a response that could not be read (${error.reason}: the body was cut off)`)
    }
    const { headers, status } = result.right
    // The key goes before anything reads the body: a message clipped later could cut it in two.
    const text = scrub(result.right.text, endpoint.apiKey)
    const limits = readRateLimits(profile.headers, headers)
    if (status < 200 || status >= 300) {
      const error = classifyHttpError(
        { provider: name, profile, model, keyVar: endpoint.keyVar },
        status,
        parseErrorBody(text),
        limits.retryAfterMs
      )
      return { outcome: Either.left(error), limits, status }
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return { ...fail("InvalidResponse", `${name} answered ${status} with a body that is not JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 60))})`, status), limits }
    }
    const decoded = decodeResponse(json)
    if (Either.isLeft(decoded)) {
      const carried = errorInSuccess(json)
      if (carried !== undefined) {
        // Some gateways answer 200 with an error object (OpenRouter's documented shape: its `code` the
        // HTTP status it means): read as that error, so a rate limit or a refused key is one still.
        const body = parseErrorBody(text)
        const error = classifyHttpError({ provider: name, profile, model, keyVar: endpoint.keyVar }, carried.status, body, limits.retryAfterMs)
        const said = `${name} answered ${status} with an error body${carried.stated ? ` (code ${carried.status})` : ""}: ${error.message}`
        return {
          outcome: Either.left(new ProviderError({ ...error, message: said })),
          limits,
          status
        }
      }
      return { ...fail("InvalidResponse", `${name} answered ${status} with JSON that is not a chat completion (no choices[0].message)`, status), limits }
    }
    return { outcome: Either.right(decoded.right), limits, status }
  })
