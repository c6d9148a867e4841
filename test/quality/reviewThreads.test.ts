import { describe, expect, it } from "@effect/vitest"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Deferred, Effect, Layer, Logger, Option, Ref } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { Catalog, type CatalogData } from "../../src/catalog/Catalog.js"
import { BUILTIN_CATALOG_DIR } from "../../src/catalog/loadCatalog.js"
import { AppConfig } from "../../src/config/AppConfig.js"
import type { QualitySettings } from "../../src/config/ConfigSchema.js"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import type { Conversation, JudgeView } from "../../src/domain/Conversation.js"
import type { ToolDefinition } from "../../src/domain/Tool.js"
import { LlmJudge } from "../../src/quality/LlmJudge.js"
import { makeReviewThreads } from "../../src/quality/ReviewThreads.js"
import { makeJudge, type Reviewed, Scorer } from "../../src/quality/Scorer.js"
import { reviewThreadCount, threadedReview } from "../../src/quality/threadedReview.js"
import { KEYS_ENTRY_BYTES } from "../../src/sink/keysFile.js"
import { runGeneration } from "../../src/sink/runGeneration.js"
import { ChatClient } from "../../src/provider/ChatClient.js"
import { loadFrom } from "../support/catalogFixtures.js"
import { fakeConversation } from "../support/fakeConversation.js"
import { jsonlLines } from "../support/runFixture.js"
import { tempDir } from "../support/tempDir.js"

const catalog = await Effect.runPromise(loadFrom(BUILTIN_CATALOG_DIR))
const settings = DEFAULT_CONFIG.quality

/** Every hand-labelled conversation (calibration and blind sets): the widest spread of shapes we have. */
const records: ReadonlyArray<Conversation> = ["test/fixtures/calibration", "test/fixtures/blind"].flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => JSON.parse(readFileSync(`${dir}/${f}`, "utf8")).record as Conversation)
)

/**
 * The records as the generator hands them to the quality stage: no review's fields yet, and each
 * scenario's tool list the catalogue's own objects, one array per scenario.
 */
const lists = new Map<string, ReadonlyArray<ToolDefinition>>()
/** A review as the main thread's, apart from the turns' JSON a thread's hands along (checked to be theirs). */
const asInProcess = (reviewed: Reviewed, conversation: Conversation): Reviewed => {
  const { turnsJson, ...rest } = reviewed
  if (turnsJson !== undefined) expect(turnsJson).toBe(JSON.stringify(conversation.turns))
  return rest
}

const asGenerated = (record: Conversation): Conversation => {
  const { agentic_patterns: _p, complexity: _c, quality_score: _s, quality: _q, quality_judge: _j, ...generated } = record
  const names = record.tools.map((t) => t.function.name)
  if (!names.every((name) => catalog.tools.has(name))) return generated
  const key = names.join(",")
  if (!lists.has(key)) lists.set(key, names.map((name) => catalog.tools.get(name)!))
  return { ...generated, tools: lists.get(key)! }
}

/** A logger that keeps what is logged (a fallback to the main thread says so). */
const capture = () => {
  const logs: Array<string> = []
  return { logs, logger: Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message)))) }
}

const withThreads = (threads: QualitySettings["review_threads"], quality: Partial<QualitySettings> = {}, data: CatalogData = catalog) =>
  threadedReview({ ...settings, ...quality, review_threads: threads }, data, makeJudge({ ...settings, ...quality }, data).review)

describe("review threads", () => {
  it("auto asks for one fewer than the cores, at most two; a number is taken as it is", () => {
    expect([1, 2, 4, 16].map((cores) => reviewThreadCount("auto", cores))).toEqual([0, 1, 2, 2])
    expect(reviewThreadCount(3, 1)).toBe(3)
    expect(reviewThreadCount(0, 8)).toBe(0)
  })

  it.scoped("give the in-process review field for field, dedup keys included, for every labelled conversation", () =>
    Effect.gen(function*() {
      // Catalogue tool lists (sent once by number), records with their own copies of them, a tool the
      // catalogue lacks, and records reviewed already (rescored: the review's fields in their places).
      const foreign: Conversation = { ...asGenerated(records[0]!), id: "x/foreign/v1/s0", tools: [{ type: "function", function: { name: "lookup_sku", description: "Find a SKU", parameters: { type: "object", properties: { sku: { type: "string" } }, required: ["sku"] } } }] }
      const inProcess = makeJudge(settings, catalog).review
      const fresh = [...records.map(asGenerated), ...records, foreign]
      const reviewedAlready = records.slice(0, 10).map((record) => inProcess(record).conversation)
      const batch = [...fresh, ...reviewedAlready]
      expect(records.length).toBeGreaterThan(80)
      const review = yield* withThreads(1)
      const { logs, logger } = capture()
      const threaded = yield* review(batch).pipe(Effect.provide(logger))
      // The thread answered (a fallback to the main thread would say so)...
      expect(logs).toEqual([])
      // ...with the main thread's review, field for field.
      expect(threaded).toHaveLength(batch.length)
      threaded.forEach((reviewed, i) => expect(asInProcess(reviewed, batch[i]!), batch[i]!.id).toStrictEqual(inProcess(batch[i]!)))
      expect(threaded.every((reviewed) => reviewed.turnsJson !== undefined)).toBe(true)
    }))

  it.scoped("split a large batch across two threads, in order, and leave the keys out when dedup is off", () =>
    Effect.gen(function*() {
      const batch = Array.from({ length: 300 }, (_, i) => asGenerated(records[i % records.length]!))
      const { logs, logger } = capture()
      const two = yield* (yield* withThreads(2))(batch).pipe(Effect.provide(logger))
      expect(logs).toEqual([])
      const inProcess = makeJudge(settings, catalog).review
      two.forEach((reviewed, i) => expect(asInProcess(reviewed, batch[i]!)).toStrictEqual(inProcess(batch[i]!)))
      const noDedup = yield* (yield* withThreads(1, { dedup: false }))(batch.slice(0, 20))
      noDedup.forEach((reviewed) => expect(reviewed.keys).toBeUndefined())
      expect(noDedup.map((r) => r.conversation.quality_score)).toEqual(two.slice(0, 20).map((r) => r.conversation.quality_score))
    }))

  it.scoped("that cannot start leave the review in the main thread, with one warning", () =>
    Effect.gen(function*() {
      // A tool definition that cannot cross to a thread (a function in its schema).
      const odd: ToolDefinition = { type: "function", function: { name: "odd", description: "odd", parameters: { type: "object", default: () => 1 } } }
      const broken: CatalogData = { ...catalog, tools: new Map([...catalog.tools, ["odd", odd]]) }
      const { logs, logger } = capture()
      const review = yield* withThreads(1, {}, broken)
      const batch = records.slice(0, 5).map(asGenerated)
      const first = yield* review(batch).pipe(Effect.provide(logger))
      yield* review(batch).pipe(Effect.provide(logger))
      expect(first).toStrictEqual(batch.map(makeJudge(settings, catalog).review))
      expect(logs).toHaveLength(1)
      expect(logs[0]).toMatch(/^the review threads could not start \(.*\): the review goes on in the main thread$/)
    }))

  it.scoped("auto: reviewed in the main thread until 400 come within a second, then in a thread", () =>
    Effect.gen(function*() {
      if (reviewThreadCount("auto") === 0) return // one core: auto starts none
      const review = yield* withThreads("auto")
      const inProcess = makeJudge(settings, catalog).review
      const batch = (n: number, from: number) => Array.from({ length: n }, (_, i) => asGenerated(records[(from + i) % records.length]!))
      // A thread hands a batch's signatures back in one buffer; the main thread makes one per conversation.
      const fromThread = (reviewed: ReadonlyArray<{ readonly keys?: { readonly signature: Uint8Array } | undefined }>) =>
        reviewed.map((r) => r.keys!.signature.buffer.byteLength > r.keys!.signature.length)
      const few = yield* review(batch(100, 0))
      expect(fromThread(few).every((threaded) => !threaded)).toBe(true)
      const many = yield* review(batch(300, 100))
      expect(fromThread(many).every((threaded) => !threaded)).toBe(true)
      const after = batch(50, 7)
      const threaded = yield* review(after)
      expect(fromThread(threaded).every((t) => t)).toBe(true)
      threaded.forEach((reviewed, i) => expect(asInProcess(reviewed, after[i]!)).toStrictEqual(inProcess(after[i]!)))
    }))

  it.scoped("review in the main thread, with one warning, what cannot cross to a thread; the rest still crosses", () =>
    Effect.gen(function*() {
      const { logs, logger } = capture()
      const review = yield* withThreads(1)
      const odd: Conversation = { ...asGenerated(records[0]!), tools: [{ type: "function", function: { name: "odd", description: "odd", parameters: { type: "object", default: () => 1 } } }] }
      const batch = [odd, ...records.slice(1, 40).map(asGenerated)]
      const inProcess = makeJudge(settings, catalog).review
      const first = yield* review(batch).pipe(Effect.provide(logger))
      first.forEach((reviewed, i) => expect(asInProcess(reviewed, batch[i]!)).toStrictEqual(inProcess(batch[i]!)))
      expect(logs).toHaveLength(1)
      expect(logs[0]).toMatch(/^a batch could not be sent to a review thread \(.*\): the review goes on in the main thread$/)
      // The thread is still there for what can cross.
      const again = yield* review(records.slice(40, 60).map(asGenerated)).pipe(Effect.provide(logger))
      expect(again.map((r) => r.conversation.quality_score)).toEqual(records.slice(40, 60).map((r) => inProcess(asGenerated(r)).conversation.quality_score))
      expect(logs).toHaveLength(1)
    }))

  it("answer every job of a closed pool as failed, those in flight included, so no caller waits on a stopped thread", async () => {
    const threads = makeReviewThreads({ settings, scenarios: catalog.scenarios, tools: [...catalog.tools.values()] }, 1)
    const answers = records.slice(0, 10).map((record) => new Promise<unknown>((done) => threads.submit(asGenerated(record), JSON.stringify(record.turns), done)))
    await new Promise((wake) => setImmediate(wake))
    await threads.close()
    const settled = await Promise.all(answers)
    // Each job was answered once, with a review or (closed in flight) as failed.
    expect(settled.every((a) => typeof a === "object" && a !== null && ("fields" in a || "failed" in a))).toBe(true)
    const after = await new Promise<unknown>((done) => threads.submit(asGenerated(records[0]!), JSON.stringify(records[0]!.turns), done))
    expect(after).toEqual({ failed: "the review threads are closed" })
  })
})

describe("a run with review threads", () => {
  const dir = tempDir("review-threads")
  const layers = (maxItems: number, threads: QualitySettings["review_threads"]) => {
    const chat = ChatClient.layerTest((request) => ({
      choices: [{ message: { role: "assistant", content: fakeConversation(request as unknown as Record<string, unknown>) }, finish_reason: "stop" }]
    }))
    return Layer.mergeAll(chat, Scorer.layerWithJudge.pipe(Layer.provide(LlmJudge.layerNone))).pipe(
      Layer.provideMerge(Catalog.layer),
      Layer.provideMerge(AppConfig.layerTest({ generation: { max_items: maxItems }, quality: { review_threads: threads } })),
      Layer.provideMerge(NodeContext.layer)
    )
  }
  const run = (path: string, maxItems: number, threads: QualitySettings["review_threads"]) =>
    runGeneration({ dir: path, plan: { maxItems, types: [], samplesPerVariation: null, seed: 42 }, force: false }).pipe(Effect.provide(layers(maxItems, threads)))
  /** The dataset's lines, byte for byte but for the run's id and the moment each record was made, by id. */
  const dataset = (path: string) =>
    jsonlLines(`${path}/dataset.jsonl`)
      .map((line) => line.replace(/"run_id":"[^"]*","created_at":"[^"]*"/, `"run_id":"","created_at":""`))
      .sort((a, b) => (JSON.parse(a).id < JSON.parse(b).id ? -1 : 1))

  it.effect("writes the dataset, rejections and counts that the main thread alone writes", () =>
    Effect.gen(function*() {
      // Every variation, then second samples: the fake model repeats itself, so dedup has copies to find.
      const { logs, logger } = capture()
      const alone = yield* run(dir.path("alone"), 260, 0)
      const threaded = yield* run(dir.path("threaded"), 260, 2).pipe(Effect.provide(logger))
      // The threads did the review (a fallback to the main thread would say so).
      expect(logs).toEqual([])
      expect(threaded.accepted).toBe(alone.accepted)
      expect(threaded.rejections).toEqual(alone.rejections)
      expect(alone.rejections["Duplicate"]).toBeGreaterThan(0)
      const lines = dataset(dir.path("threaded"))
      expect(lines.every((line) => line.includes(`"run_id":"","created_at":""`))).toBe(true)
      expect(lines).toEqual(dataset(dir.path("alone")))
      // The dataset's index: the same entries (in the order each run wrote its lines).
      const entries = (path: string) => {
        const bytes = readFileSync(path)
        return Array.from({ length: bytes.length / KEYS_ENTRY_BYTES }, (_, i) => bytes.subarray(i * KEYS_ENTRY_BYTES, (i + 1) * KEYS_ENTRY_BYTES).toString("hex")).sort()
      }
      expect(entries(dir.path("threaded/dataset.keys"))).toEqual(entries(dir.path("alone/dataset.keys")))
    }))
})

describe("a run with the LLM judge on", () => {
  const dir = tempDir("review-judge")
  it.live("reviews in each generation worker: one slow judge call holds one worker, not the run's writing", () =>
    Effect.gen(function*() {
      // The judge's first call waits until twenty other outcomes are written; were the review done per
      // batch, that batch (and the ordered ones behind it) would hold the writing up, and this would hang.
      const written = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      let calls = 0
      const view = (): JudgeView => ({
        provider: "judge",
        model: "judge",
        reasoning: { score: 1, rationale: "ok" },
        completeness: { score: 1, rationale: "ok" },
        naturalness: { score: 1, rationale: "ok" }
      })
      const judge = Layer.succeed(LlmJudge, {
        enabled: true,
        review: () => Effect.as(calls++ === 0 ? Deferred.await(release) : Effect.void, Option.some(view())),
        stats: Effect.succeed({ reviewed: 0, failed: 0, meanAbsDiff: { reasoning: 0, completeness: 0, naturalness: 0 } })
      })
      const chat = ChatClient.layerTest((request) => ({
        choices: [{ message: { role: "assistant", content: fakeConversation(request as unknown as Record<string, unknown>) }, finish_reason: "stop" }]
      }))
      const layers = Layer.mergeAll(chat, Scorer.layerWithJudge.pipe(Layer.provide(judge))).pipe(
        Layer.provideMerge(Catalog.layer),
        Layer.provideMerge(AppConfig.layerTest({ generation: { max_items: 60 }, quality: { judge: { enabled: true }, dedup: false, review_threads: 1 } })),
        Layer.provideMerge(NodeContext.layer)
      )
      const onOutcome = () => Effect.flatMap(Ref.updateAndGet(written, (n) => n + 1), (n) => (n >= 20 ? Deferred.succeed(release, undefined) : Effect.void))
      const progress = yield* runGeneration({ dir: dir.path("run"), plan: { maxItems: 60, types: [], samplesPerVariation: null, seed: 42 }, force: false, onOutcome }).pipe(
        Effect.provide(layers),
        Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("the run hung behind one judge call") })
      )
      expect(progress.accepted + progress.rejected).toBe(60)
      const records = jsonlLines(dir.path("run/dataset.jsonl")).map((line) => JSON.parse(line))
      expect(records.length).toBe(progress.accepted)
      expect(records.every((r) => r.quality_judge?.provider === "judge")).toBe(true)
    }))
})
