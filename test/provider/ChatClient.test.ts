import { afterEach, describe, expect, it } from "vitest"
import { Effect, Either, Layer, Logger } from "effect"
import type { ChatRequest } from "../../src/provider/ChatRequest.js"
import { ChatClient } from "../../src/provider/ChatClient.js"
import { type FakeOptions, type FakeProvider, startFakeProvider } from "../support/fakeProvider.js"
import { fastRetry, providerLayer, recordingStore, runWith, testProvider } from "../support/providerLayer.js"

const fakes: Array<FakeProvider> = []
const fake = async (options: FakeOptions) => {
  const server = await startFakeProvider(options)
  fakes.push(server)
  return server
}
afterEach(async () => {
  for (const server of fakes.splice(0)) {
    expect(server.violations, "every request body matches OpenAI's schema").toEqual([])
    await server.close()
  }
})

const tool = {
  type: "function" as const,
  function: { name: "calculator", description: "Evaluate an expression", parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] } }
}
/** A request using every part of the chat format the generator may send. */
const request: ChatRequest = {
  messages: [
    { role: "system", content: "You write conversations as JSON." },
    { role: "user", content: "Write one.", name: "operator" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "calculator", arguments: "{\"expression\":\"2+2\"}" } }] },
    { role: "tool", tool_call_id: "call_1", name: "calculator", content: "4" }
  ],
  tools: [tool],
  tool_choice: "auto",
  response_format: { type: "json_object" },
  temperature: 0.9,
  seed: 42,
  max_tokens: 64
}
const complete = (r: ChatRequest = request) => Effect.flatMap(ChatClient, (client) => client.complete(r))
const completeEither = (r: ChatRequest = request) => Effect.either(complete(r))
const KEY = "gsk_live_4f9Qx7Lm2Rt8Vb1Nc6Zp"

describe("the chat client against each provider's behaviour", () => {
  for (const [flavor, provider, env] of [
    ["groq", "groq", { GROQ_API_KEY: KEY }],
    ["together", "together", { TOGETHER_API_KEY: KEY }],
    ["huggingface", "huggingface", { HF_TOKEN: KEY }],
    ["plain", "openai", { OPENAI_BASE_URL: "set-below" }]
  ] as const) {
    it(`completes through ${flavor} with a valid request body`, async () => {
      const server = await fake({ flavor, ...(flavor === "plain" ? {} : { key: KEY }), reply: () => ({ content: "{\"turns\": []}" }) })
      const result = await runWith(complete(), providerLayer({ provider, retry: fastRetry, providers: { [provider]: testProvider(server.url) } }, env))
      expect(result).toMatchObject({ provider, model: "fake-model", content: "{\"turns\": []}", attempts: 1, finishReason: "stop" })
      expect(result.usage.prompt_tokens).toBeGreaterThan(0)
      const sent = server.chatRequests()[0]!
      expect(sent.authorization).toBe(flavor === "plain" ? undefined : `Bearer ${KEY}`)
      expect(sent.body?.["model"]).toBe("fake-model")
    })
  }
})

describe("retries and the error taxonomy", () => {
  const groq = (url: string, extra = {}) => providerLayer({ provider: "groq", retry: fastRetry, providers: { groq: testProvider(url, extra) } }, { GROQ_API_KEY: KEY })

  it("retries a 5xx, a cut body and garbled JSON, then succeeds", async () => {
    const server = await fake({ flavor: "groq", script: ["serverError", "truncated", "malformed", "ok"] })
    const result = await runWith(complete(), groq(server.url))
    expect(result.attempts).toBe(4)
    expect(server.chatRequests()).toHaveLength(4)
  })

  it("gives up after retry.attempts with the typed error and the attempts made", async () => {
    const server = await fake({ flavor: "groq", faults: { serverError: 1 } })
    const result = await runWith(completeEither(), groq(server.url))
    expect(Either.isLeft(result) && result.left).toMatchObject({ reason: "Unavailable", attempts: 4 })
    expect(server.chatRequests()).toHaveLength(4)
  })

  it("times out a hanging request and retries it", async () => {
    const server = await fake({ flavor: "groq", script: ["hang", "ok"] })
    const result = await runWith(complete(), groq(server.url, { timeout_seconds: 0.3 }))
    expect(result.attempts).toBe(2)
  })

  it("a request that always hangs ends as Timeout", async () => {
    const server = await fake({ flavor: "groq", faults: { hang: 1 } })
    const result = await runWith(completeEither(), providerLayer(
      { provider: "groq", retry: { ...fastRetry, attempts: 2 }, providers: { groq: testProvider(server.url, { timeout_seconds: 0.2 }) } },
      { GROQ_API_KEY: KEY }
    ))
    expect(Either.isLeft(result) && result.left.reason).toBe("Timeout")
    expect(Either.isLeft(result) && result.left.message).toBe("groq did not answer within 0.2 s; raise providers.groq.timeout_seconds or try later")
  })

  it("a 400 is not retried", async () => {
    const server = await fake({ flavor: "groq" })
    const result = await runWith(completeEither({ messages: [] }), groq(server.url))
    expect(Either.isLeft(result) && result.left.reason).toBe("BadRequest")
    expect(server.chatRequests()).toHaveLength(1)
    server.violations.splice(0) // this test sent an invalid body on purpose
  })

  it("a 401 is not retried, names the key variable and never shows the key", async () => {
    const server = await fake({ flavor: "groq", key: "the-right-one", unauthorizedMessage: (auth) => `Incorrect API key provided: ${auth?.slice(7)}` })
    const logs: Array<string> = []
    const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(JSON.stringify(message))))
    const result = await runWith(
      completeEither().pipe(Effect.provide(logger)),
      groq(server.url).pipe(Layer.provide(logger))
    )
    expect(Either.isLeft(result) && result.left.reason).toBe("Unauthorized")
    const message = Either.isLeft(result) ? result.left.message : ""
    expect(message).toContain("check GROQ_API_KEY")
    expect(message).toContain("[redacted]")
    expect(message).not.toContain(KEY)
    expect(logs.join("\n")).not.toContain(KEY)
    expect(server.chatRequests()).toHaveLength(1)
  })

  it("Hugging Face's 402 marks it exhausted, records it, and nothing more is sent", async () => {
    const server = await fake({ flavor: "huggingface", dayRequests: 2 })
    const store = recordingStore()
    const layer = providerLayer({ provider: "huggingface", retry: fastRetry, providers: { huggingface: testProvider(server.url) } }, { HF_TOKEN: KEY }, store.layer)
    const out = await runWith(
      Effect.gen(function*() {
        const all = []
        for (let i = 0; i < 5; i++) all.push(yield* completeEither())
        const client = yield* ChatClient
        return { all, status: yield* client.status }
      }),
      layer
    )
    const failures = out.all.filter(Either.isLeft)
    expect(out.all.filter(Either.isRight)).toHaveLength(2)
    expect(failures).toHaveLength(3)
    expect(failures[0]!.left.reason).toBe("QuotaExhausted")
    expect(failures[0]!.left.message).toContain("no provider can take requests: huggingface: huggingface has no credits left (402")
    expect(out.status[0]!.state).toBe("quota exhausted")
    expect(server.chatRequests().filter((r) => r.status === 402)).toHaveLength(1)
    expect(server.chatRequests()).toHaveLength(3)
    expect(store.saved.at(-1)).toEqual([expect.objectContaining({ provider: "huggingface", model: "fake-model" })])
  })

  it("Groq's remaining-requests at 0 stops it before any 429", async () => {
    const server = await fake({ flavor: "groq", dayRequests: 1 })
    const store = recordingStore()
    const out = await runWith(
      Effect.all([completeEither(), completeEither()]),
      providerLayer({ provider: "groq", retry: fastRetry, providers: { groq: testProvider(server.url) } }, { GROQ_API_KEY: KEY }, store.layer)
    )
    expect(out.map(Either.isRight)).toEqual([true, false])
    expect(server.chatRequests()).toHaveLength(1)
    expect(store.saved.at(-1)).toEqual([expect.objectContaining({ provider: "groq", message: "daily requests limit reached (remaining 0)" })])
  })

  it("Groq's per-day 429 marks it exhausted until the reset its message names", async () => {
    const server = await fake({ flavor: "groq", dayRequests: 1, dailyLimit: "tokens" })
    const store = recordingStore()
    const before = Date.now()
    const out = await runWith(
      Effect.all([completeEither(), Effect.either(Effect.timeout(complete(), "1 second"))]),
      providerLayer({ provider: "groq", retry: fastRetry, providers: { groq: testProvider(server.url) } }, { GROQ_API_KEY: KEY }, store.layer)
    )
    // The only provider is back in under 10 minutes: the second request waits for it, sending nothing.
    expect(Either.isRight(out[0])).toBe(true)
    expect(Either.isLeft(out[1]) && out[1].left._tag).toBe("TimeoutException")
    expect(server.chatRequests()).toHaveLength(2)
    const until = store.saved.at(-1)![0]!.until
    expect(until - before).toBeGreaterThan(414_000)
    expect(until - Date.now()).toBeLessThanOrEqual(414_720)
  })
})

describe("pooling", () => {
  it("routes around an exhausted provider and finishes on the others", async () => {
    const groq = await fake({ flavor: "groq", dayRequests: 2, dailyLimit: "tokens", latencyMs: 20 })
    const hf = await fake({ flavor: "huggingface", latencyMs: 20 })
    const layer = providerLayer(
      { provider: "auto", retry: fastRetry, providers: { groq: testProvider(groq.url), huggingface: testProvider(hf.url) } },
      { GROQ_API_KEY: KEY, HF_TOKEN: KEY }
    )
    const results = await runWith(Effect.all(Array.from({ length: 12 }, () => complete()), { concurrency: 4 }), layer)
    expect(results).toHaveLength(12)
    const served = groq.chatRequests().filter((r) => r.status === 200)
    const refused = groq.chatRequests().filter((r) => r.status === 429)
    expect(served).toHaveLength(2)
    // Only requests already in flight when the first per-day 429 came back may reach it.
    expect(refused.length).toBeGreaterThanOrEqual(1)
    expect(refused.length).toBeLessThanOrEqual(4)
    expect(hf.chatRequests().filter((r) => r.status === 200)).toHaveLength(10)
  })

  it("a 404 (wrong model or URL) takes that provider out and another takes the request", async () => {
    const broken = await fake({ flavor: "groq" })
    const hf = await fake({ flavor: "huggingface" })
    const layer = providerLayer(
      { provider: "auto", retry: fastRetry, providers: { groq: testProvider(`${broken.url}/nowhere`), huggingface: testProvider(hf.url) } },
      { GROQ_API_KEY: KEY, HF_TOKEN: KEY }
    )
    const results = await runWith(Effect.all(Array.from({ length: 4 }, () => complete()), { concurrency: 1 }), layer)
    expect(results.map((r) => r.provider)).toEqual(["huggingface", "huggingface", "huggingface", "huggingface"])
    expect(broken.requests.length).toBe(1)
  })

  it("a retired model (Groq's 400 model_decommissioned) takes that provider out after one request", async () => {
    const groq = await fake({ flavor: "groq", retiredModels: ["fake-model"] })
    const hf = await fake({ flavor: "huggingface" })
    const layer = providerLayer(
      { provider: "auto", retry: fastRetry, providers: { groq: testProvider(groq.url), huggingface: testProvider(hf.url) } },
      { GROQ_API_KEY: KEY, HF_TOKEN: KEY }
    )
    const results = await runWith(Effect.all(Array.from({ length: 4 }, () => complete()), { concurrency: 1 }), layer)
    expect(results.map((r) => r.provider)).toEqual(["huggingface", "huggingface", "huggingface", "huggingface"])
    expect(groq.chatRequests()).toHaveLength(1)
  })

  it.each(["reasoning", "reasoning_content"] as const)("a reasoning model's thinking (%s) reaches the completion apart from its content", async (field) => {
    const server = await fake({ flavor: "plain", reply: () => ({ content: null, [field]: "First, the scenario...", finish_reason: "length", completion_tokens: 3000 }) })
    const layer = providerLayer({ provider: "openai", retry: fastRetry, providers: { openai: testProvider(server.url) } }, { OPENAI_API_KEY: KEY })
    const [result] = await runWith(Effect.all([complete()]), layer)
    expect(result).toMatchObject({ content: "", reasoning: "First, the scenario...", finishReason: "length" })
  })

  it("an address with no server (connection refused) says so, and the provider is out once it has refused for ten seconds", async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = await fake({ flavor: "plain" })
    const url = closed.url
    await closed.close()
    fakes.splice(fakes.indexOf(closed), 1)
    const layer = providerLayer({ provider: "openai", retry: { ...fastRetry, attempts: 10 }, providers: { openai: testProvider(url) } }, { OPENAI_API_KEY: KEY })
    const [result] = await runWith(Effect.all([completeEither()]), layer)
    expect(Either.isLeft(result!) && result.left.message).toMatch(/nothing is listening at http:\/\/127\.0\.0\.1:\d+\/v1 \(connection refused\): start the server, or point providers\.openai\.base_url \(or OPENAI_BASE_URL\) at it/)
  })

  it("an OPENAI_API_KEY alone does not pull OpenAI into auto", async () => {
    const result = await Effect.runPromise(Effect.either(Effect.scoped(Layer.build(providerLayer({ provider: "auto" }, { OPENAI_API_KEY: "sk-x" })))))
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: "ConfigError", reason: "NoProvider" })
  })

  it("a resumed run sends nothing to a provider whose recorded quota has not reset", async () => {
    const groq = await fake({ flavor: "groq" })
    const hf = await fake({ flavor: "huggingface" })
    const store = recordingStore([{ provider: "groq", model: "fake-model", until: Date.now() + 3_600_000, message: "daily tokens budget used up" }])
    const layer = providerLayer(
      { provider: "auto", retry: fastRetry, providers: { groq: testProvider(groq.url), huggingface: testProvider(hf.url) } },
      { GROQ_API_KEY: KEY, HF_TOKEN: KEY },
      store.layer
    )
    await runWith(Effect.all(Array.from({ length: 5 }, () => complete()), { concurrency: 5 }), layer)
    expect(groq.chatRequests()).toHaveLength(0)
    expect(hf.chatRequests()).toHaveLength(5)
  })

  it("uses both providers when both have capacity", async () => {
    const groq = await fake({ flavor: "groq", latencyMs: 100 })
    const together = await fake({ flavor: "together", latencyMs: 100 })
    const layer = providerLayer(
      {
        provider: "auto",
        retry: fastRetry,
        providers: { groq: testProvider(groq.url, { max_concurrency: 2 }), together: testProvider(together.url, { max_concurrency: 2 }) }
      },
      { GROQ_API_KEY: KEY, TOGETHER_API_KEY: KEY }
    )
    await runWith(Effect.all(Array.from({ length: 16 }, () => complete()), { concurrency: 8 }), layer)
    expect(groq.chatRequests().length).toBeGreaterThanOrEqual(6)
    expect(together.chatRequests().length).toBeGreaterThanOrEqual(6)
  })

  it("no key and no local server: one line naming the variables to set", async () => {
    const result = await Effect.runPromise(Effect.either(Effect.scoped(Layer.build(providerLayer({ provider: "auto" }, {})))))
    expect(Either.isLeft(result) && result.left).toMatchObject({
      _tag: "ConfigError",
      reason: "NoProvider",
      message: "no provider is configured: set GROQ_API_KEY (free key: console.groq.com/keys), TOGETHER_API_KEY or HF_TOKEN, or OLLAMA_BASE_URL / OPENAI_BASE_URL for a local server"
    })
  })
})

describe("the limiter against an enforced limit", () => {
  it("keeps a 300/min sliding window with no 429 in steady state", async () => {
    const server = await fake({ flavor: "plain", rpm: 300, mode: "sliding", latencyMs: 50 })
    const layer = providerLayer(
      { provider: "openai", retry: fastRetry, providers: { openai: testProvider(server.url, { rpm: 300, max_concurrency: 8 }) } },
      { OPENAI_BASE_URL: server.url }
    )
    const started = Date.now()
    await runWith(Effect.all(Array.from({ length: 30 }, () => complete({ messages: [{ role: "user", content: "hi" }] })), { concurrency: 16 }), layer)
    const seconds = (Date.now() - started) / 1000
    expect(server.counts["429-limit"] ?? 0).toBe(0)
    // 30 requests at ≈ 4.85/s: about 6 s, never faster than the limit allows
    expect(seconds).toBeGreaterThan(5)
    expect(seconds).toBeLessThan(9)
  })
})
