import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Clock, Context, Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import type { ProviderError } from "../domain/ProviderError.js"
import type { ChatRequest } from "./ChatRequest.js"
import { type ChatResponse, type Completion, reasoningOf } from "./ChatResponse.js"
import { limiterFor } from "./Limiter.js"
import { makePool, type Member, type ProviderStatus } from "./ProviderPool.js"
import { selectEndpoints } from "./selectEndpoints.js"
import { QuotaStore } from "./QuotaStore.js"

/** Sends chat completions to the configured providers, pooled, paced and retried. */
export class ChatClient extends Context.Tag("agentic-synth/ChatClient")<ChatClient, {
  readonly complete: (request: ChatRequest) => Effect.Effect<Completion, ProviderError>
  /** Each provider's state and counters, for progress lines and the run manifest. */
  readonly status: Effect.Effect<ReadonlyArray<ProviderStatus>>
}>() {
  /** The pool over the providers the config selects; needs an `HttpClient` and a `QuotaStore`. */
  static readonly layerWithoutHttp = Layer.scoped(
    ChatClient,
    Effect.gen(function*() {
      const config = yield* AppConfig
      const store = yield* QuotaStore
      const now = yield* Clock.currentTimeMillis
      const endpoints = yield* selectEndpoints(config)
      const remembered = yield* store.load
      const members: Array<Member> = endpoints.map((endpoint) => {
        const settings = endpoint.settings
        const limiter = limiterFor(settings, now, config.retry.base_delay_ms * 10, config.retry.unreachable_seconds * 1000)
        const exhausted = remembered.find((e) => e.provider === endpoint.name && e.model === settings.model && e.until > now)
        if (exhausted !== undefined) limiter.markExhausted(exhausted.until, exhausted.message)
        return { endpoint, limiter }
      })
      const keep = remembered.filter((e) => !members.some((m) => m.endpoint.name === e.provider && m.endpoint.settings.model === e.model))
      return yield* makePool({ members, retry: config.retry, onExhausted: store.save, keep })
    })
  )

  /** The pool over `fetch`, remembering exhausted quotas in memory only. */
  static readonly layer = ChatClient.layerWithoutHttp.pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(QuotaStore.layerMemory())
  )

  /** Answers every request with `reply`: for tests and dry runs. */
  static readonly layerTest = (reply: (request: ChatRequest) => ChatResponse) =>
    Layer.succeed(ChatClient, {
      complete: (request) =>
        Effect.sync(() => {
          const response = reply(request)
          const choice = response.choices[0]
          return {
            provider: "test",
            model: response.model ?? "test",
            response,
            content: choice.message.content ?? "",
            finishReason: choice.finish_reason ?? undefined,
            reasoning: reasoningOf(choice.message),
            usage: { prompt_tokens: response.usage?.prompt_tokens ?? 0, completion_tokens: response.usage?.completion_tokens ?? 0 },
            attempts: 1
          }
        }),
      status: Effect.succeed([])
    })
}
