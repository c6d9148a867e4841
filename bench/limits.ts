/**
 * Limit utilisation and pooling: the real pool against loopback fake providers that enforce their
 * limits. Reports achieved requests ÷ allowed requests and the share answered 429, measured in one run.
 */
import { Effect } from "effect"
import { ChatClient } from "../src/provider/ChatClient.js"
import type { WindowMode } from "../test/support/fakeLimits.js"
import { type Flavor, startFakeProvider } from "../test/support/fakeProvider.js"
import { providerLayer, runWith, testProvider } from "../test/support/providerLayer.js"

export interface LimitScenario {
  readonly name: string
  readonly providers: ReadonlyArray<{ readonly flavor: Flavor; readonly rpm: number; readonly tpm?: number; readonly mode: WindowMode }>
  readonly latencyMs: number
  readonly seconds: number
}

export interface LimitResult {
  readonly name: string
  readonly seconds: number
  readonly allowed: number
  readonly achieved: number
  /** achieved ÷ allowed */
  readonly utilisation: number
  readonly sent: number
  readonly answered429: number
  /** 429s ÷ requests sent */
  readonly share429: number
  readonly perProvider: ReadonlyArray<{ readonly flavor: Flavor; readonly rpm: number; readonly achieved: number }>
}

const PROVIDER_FOR: Record<Flavor, "groq" | "together" | "huggingface" | "openai"> = {
  groq: "groq",
  together: "together",
  huggingface: "huggingface",
  plain: "openai"
}

export const runLimitScenario = async (scenario: LimitScenario): Promise<LimitResult> => {
  const fakes = await Promise.all(
    scenario.providers.map((p) =>
      startFakeProvider({ flavor: p.flavor, rpm: p.rpm, ...(p.tpm === undefined ? {} : { tpm: p.tpm }), mode: p.mode, latencyMs: scenario.latencyMs })
    )
  )
  const providers: Record<string, unknown> = {}
  const env: Record<string, string> = {}
  scenario.providers.forEach((p, i) => {
    const name = PROVIDER_FOR[p.flavor]
    providers[name] = testProvider(fakes[i]!.url, { rpm: p.rpm, tpm: p.tpm ?? null, max_concurrency: 16, timeout_seconds: 30 })
    env[name === "huggingface" ? "HF_TOKEN" : name === "openai" ? "OPENAI_BASE_URL" : `${name.toUpperCase()}_API_KEY`] = name === "openai"
      ? fakes[i]!.url
      : "bench-key"
  })
  const layer = providerLayer({ provider: "auto", providers: providers as never, retry: { attempts: 4, base_delay_ms: 200, max_delay_ms: 5000 } }, env)
  const started = Date.now()
  const deadline = started + scenario.seconds * 1000
  // A backlog that never runs dry: 32 callers asking again as soon as they are answered.
  await runWith(
    Effect.gen(function*() {
      const client = yield* ChatClient
      const worker = Effect.gen(function*() {
        while (Date.now() < deadline) {
          yield* Effect.either(client.complete({ messages: [{ role: "user", content: "Write one short sentence." }], max_tokens: 200 }))
        }
      })
      yield* Effect.all(Array.from({ length: 32 }, () => worker), { concurrency: "unbounded" })
    }),
    layer
  )
  const inWindow = (at: number) => at >= started && at < deadline
  const perProvider = scenario.providers.map((p, i) => ({
    flavor: p.flavor,
    rpm: p.rpm,
    achieved: fakes[i]!.chatRequests().filter((r) => r.status === 200 && inWindow(r.at)).length
  }))
  const sent = fakes.reduce((sum, f) => sum + f.chatRequests().filter((r) => inWindow(r.at)).length, 0)
  const answered429 = fakes.reduce((sum, f) => sum + f.chatRequests().filter((r) => r.status === 429 && inWindow(r.at)).length, 0)
  await Promise.all(fakes.map((f) => f.close()))
  const allowed = scenario.providers.reduce((sum, p) => sum + (p.rpm * scenario.seconds) / 60, 0)
  const achieved = perProvider.reduce((sum, p) => sum + p.achieved, 0)
  return {
    name: scenario.name,
    seconds: scenario.seconds,
    allowed,
    achieved,
    utilisation: achieved / allowed,
    sent,
    answered429,
    share429: sent === 0 ? 0 : answered429 / sent,
    perProvider
  }
}

/** The scenarios of the provider issue: 120/min at 300 ms as a bucket and as a sliding window; 60 + 120 pooled. */
export const limitScenarios = (seconds: number): ReadonlyArray<LimitScenario> => [
  { name: "utilisation, refilling bucket (120/min, 30k tokens/min)", providers: [{ flavor: "groq", rpm: 120, tpm: 30_000, mode: "bucket" }], latencyMs: 300, seconds },
  { name: "utilisation, sliding 60 s window (120/min, 30k tokens/min)", providers: [{ flavor: "plain", rpm: 120, tpm: 30_000, mode: "sliding" }], latencyMs: 300, seconds },
  {
    name: "pooling, 60/min + 120/min",
    providers: [{ flavor: "groq", rpm: 60, mode: "bucket" }, { flavor: "together", rpm: 120, mode: "bucket" }],
    latencyMs: 300,
    seconds
  }
]
