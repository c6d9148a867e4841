import { FetchHttpClient } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Effect, Layer } from "effect"
import { AppConfig } from "../../src/config/AppConfig.js"
import type { AppConfigData } from "../../src/config/ConfigSchema.js"
import { ChatClient } from "../../src/provider/ChatClient.js"
import { QuotaStore, type Exhaustion } from "../../src/provider/QuotaStore.js"

type Overrides = Parameters<typeof AppConfig.layerTest>[0]

/** Limits off, short back-offs: a provider block for tests pointing at a fake server. */
export const testProvider = (url: string, extra: Partial<AppConfigData["providers"]["groq"]> = {}) => ({
  base_url: url,
  model: "fake-model",
  rpm: null,
  rpd: null,
  tpm: null,
  tpd: null,
  max_concurrency: 4,
  timeout_seconds: 5,
  ...extra
})

export const fastRetry = { attempts: 4, base_delay_ms: 20, max_delay_ms: 200, unreachable_seconds: 120 }

/** A store that keeps what the pool saves, for checking. */
export const recordingStore = (initial: ReadonlyArray<Exhaustion> = []) => {
  const saved: Array<ReadonlyArray<Exhaustion>> = []
  const layer = Layer.succeed(QuotaStore, { load: Effect.succeed(initial), save: (entries) => Effect.sync(() => void saved.push(entries)) })
  return { saved, layer }
}

/** The real pool over `fetch`, with `overrides` on the defaults and only `env` as the environment. */
export const providerLayer = (
  overrides: Overrides,
  env: Record<string, string>,
  store: Layer.Layer<QuotaStore> = QuotaStore.layerMemory()
) =>
  ChatClient.layerWithoutHttp.pipe(
    Layer.provide(AppConfig.layerTest(overrides)),
    Layer.provide(FetchHttpClient.layer),
    Layer.provide(store),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))),
    Layer.provide(NodeContext.layer)
  )

export const runWith = <A, E>(effect: Effect.Effect<A, E, ChatClient>, layer: Layer.Layer<ChatClient, unknown>) =>
  Effect.runPromise(Effect.scoped(Effect.provide(effect, layer)) as Effect.Effect<A, E>)
