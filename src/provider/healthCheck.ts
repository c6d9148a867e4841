import { providerVariable } from "../config/envOverrides.js"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Duration, Effect, Either, Option } from "effect"
import type { EndpointConfig } from "./Endpoint.js"
import { send } from "./Endpoint.js"
import { apiRoot } from "./profiles.js"
import type { RateLimitInfo, WindowInfo } from "./rateLimitHeaders.js"

export interface HealthReport {
  readonly provider: string
  readonly model: string
  readonly ok: boolean
  /** A fault that waiting will not fix (a refused key, an unknown model). */
  readonly fatal: boolean
  readonly detail: string
  readonly fix: string
}

/** All providers are checked at once, each within these limits, so the whole check stays under 10 s. */
const MODELS_TIMEOUT_S = 3
const COMPLETION_TIMEOUT_S = 6

const per = (window: WindowInfo) => (window.per === "day" ? "today" : window.per === "minute" ? "this minute" : "this second")

/** What the rate-limit headers said, in words. */
export const describeLimits = (limits: RateLimitInfo): string => {
  const parts: Array<string> = []
  for (const [name, window] of [["requests", limits.requests], ["tokens", limits.tokens]] as const) {
    if (window === undefined) continue
    const of = window.limit === undefined ? "" : `/${window.limit}`
    parts.push(`${name} ${per(window)}: ${window.remaining ?? "?"}${of} left`)
  }
  return parts.length === 0 ? "no rate-limit headers" : parts.join(", ")
}

/** The model ids `GET /models` lists, or `undefined` when the server has no such list. */
const listModels = (endpoint: EndpointConfig) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let request = HttpClientRequest.get(`${apiRoot(endpoint.profile, endpoint.settings.base_url)}/models`).pipe(HttpClientRequest.acceptJson)
    if (Option.isSome(endpoint.apiKey)) request = HttpClientRequest.bearerToken(request, endpoint.apiKey.value)
    const response = yield* client.execute(request)
    const body = yield* response.text
    if (response.status === 401 || response.status === 403) return { status: response.status, ids: undefined }
    if (response.status !== 200) return { status: response.status, ids: undefined }
    // A list we cannot read (an HTML page from a proxy, another shape) counts as no list.
    try {
      const parsed = JSON.parse(body) as { data?: unknown }
      if (!Array.isArray(parsed.data) || parsed.data.length === 0) return { status: 200, ids: undefined }
      return { status: 200, ids: parsed.data.map((m) => String((m as { id?: unknown })?.id)) }
    } catch {
      return { status: 200, ids: undefined }
    }
  }).pipe(Effect.timeout(Duration.seconds(MODELS_TIMEOUT_S)), Effect.either)

/**
 * Checks one provider with real calls: the key is accepted, the model exists, a one-token completion
 * answers, and what its rate-limit headers say. A refused key or unknown model is reported as fatal,
 * never retried.
 */
export const checkProvider = (endpoint: EndpointConfig): Effect.Effect<HealthReport, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const { name } = endpoint
    const model = endpoint.settings.model
    const base = { provider: name, model }
    const keyFix = endpoint.keyVar === undefined ? "set the provider's key" : `check ${endpoint.keyVar}`
    const models = yield* listModels(endpoint)
    let modelNote = "model list not offered"
    if (Either.isRight(models)) {
      const { ids, status } = models.right
      if (status === 401 || status === 403) {
        return { ...base, ok: false, fatal: true, detail: `key refused (${status} on /models)`, fix: keyFix }
      }
      if (ids !== undefined) {
        // HF routing suffixes (`:groq`, `:fastest`) and Ollama's implicit `:latest` name the same model.
        const known = new Set([model, model.replace(/:[a-z-]+$/, ""), `${model}:latest`])
        if (!ids.some((id) => known.has(id))) {
          const some = ids.slice(0, 3).join(", ")
          const variable = providerVariable(name, "model")
          return {
            ...base,
            ok: false,
            fatal: true,
            detail: `model ${model} not found (${ids.length} listed, e.g. ${some})`,
            fix: `set providers.${name}.model${variable === undefined ? "" : ` (or ${variable})`} to one listed`
          }
        }
        modelNote = "model listed"
      }
    }
    const started = Date.now()
    const reply = yield* send(
      { ...endpoint, settings: { ...endpoint.settings, timeout_seconds: COMPLETION_TIMEOUT_S } },
      { messages: [{ role: "user", content: "Reply with the word OK." }], max_tokens: 1, temperature: 0 }
    )
    const ms = Date.now() - started
    if (Either.isLeft(reply.outcome)) {
      const error = reply.outcome.left
      const fatal = error.reason === "Unauthorized" || error.reason === "BadRequest"
      return {
        ...base,
        ok: false,
        fatal,
        detail: error.message,
        fix: error.reason === "Unauthorized" ? keyFix : error.reason === "QuotaExhausted" ? "wait for the quota to reset or use another provider" : fatal ? `check providers.${name}.model and base_url` : "try again later"
      }
    }
    const keyNote = Option.isSome(endpoint.apiKey) ? "key accepted" : "no key sent"
    return { ...base, ok: true, fatal: false, detail: `${keyNote}, ${modelNote}, answered in ${ms} ms; ${describeLimits(reply.limits)}`, fix: "" }
  })
