/**
 * One measurement of the pipeline benchmark, in a process of its own (so its memory is the tool's, not
 * the harness's), printing one JSON line:
 * - `pipeline DIR N [ready]`: N items through the real pipeline (prompt → instant provider → parse →
 *   validate → score → dedup → sink) into DIR: seconds from the start of the run and from its first
 *   request, outcomes, peak RSS. With `ready`, the provider's replies are written before the clock
 *   starts, as the bare loop's are (for the rate); without, each is written when asked for (for the
 *   memory run, whose replies would not fit in memory at once).
 * - `pipeline DIR N ready unscored`: the same with the quality stage's rules off (`Scorer.layerNone`: no
 *   scores, patterns or dedup keys; every valid conversation kept), as a diagnostic of what that stage
 *   costs in the pipeline. Not the benchmark's figure: the bar is for the whole path.
 * - `pipeline DIR N ready inline`: the same with the review in the main thread (`quality.review_threads:
 *   0`), as a diagnostic of what the review threads give.
 * - `pipeline DIR N ready scored I/C AT`: shard I of C of an N-item job (as `generate --shard I/C`),
 *   its replies ready, the run started at epoch millisecond AT (so that shards side by side start
 *   together); the result also gives the first request's and the end's epoch milliseconds.
 * - `bare N`: the same N responses, parsed, re-serialised and appended in batches: seconds.
 * - `resume DIR N`: DIR already holds N - 1 items; ask for N and report the milliseconds from the
 *   process's start to the first new request.
 * The process is set up as the CLI sets itself up (its heap policy), with the default configuration.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Layer, Schema } from "effect"
import { closeSync, openSync, writeSync } from "node:fs"
import { Catalog } from "../src/catalog/Catalog.js"
import { keepHeapSmall } from "../src/cli/memoryPolicy.js"
import { workItems } from "../src/catalog/workItems.js"
import { AppConfig } from "../src/config/AppConfig.js"
import { buildRequest } from "../src/generate/prompt.js"
import { type Shard, ShardFromString } from "../src/domain/Shard.js"
import type { ChatRequest } from "../src/provider/ChatRequest.js"
import { ChatClient } from "../src/provider/ChatClient.js"
import { LlmJudge } from "../src/quality/LlmJudge.js"
import { Scorer } from "../src/quality/Scorer.js"
import { runGeneration } from "../src/sink/runGeneration.js"
import { instantReply } from "./instantProvider.js"

// As the CLI runs (src/bin.ts).
keepHeapSmall()

const [mode, ...args] = process.argv.slice(2)
const plan = (maxItems: number, shard?: Shard) => ({ maxItems, types: [], samplesPerVariation: null, seed: 42, shard })

/** Requests a ready reply was not found for (then written on the spot). */
let missed = 0

const layers = (
  maxItems: number,
  onRequest: (request: ChatRequest) => void = () => {},
  replies?: ReadonlyMap<number, string>,
  scored = true,
  inline = false
) => {
  const config = AppConfig.layerTest({ generation: { max_items: maxItems }, ...(inline ? { quality: { review_threads: 0 } } : {}) })
  const chat = ChatClient.layerTest((request) => {
    onRequest(request)
    const ready = replies?.get(request.seed ?? -1)
    if (replies !== undefined && ready === undefined) missed++
    const content = ready ?? instantReply(request)
    return { choices: [{ message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 1500, completion_tokens: 400 } }
  })
  const scorer = scored ? Scorer.layerWithJudge.pipe(Layer.provide(LlmJudge.layerNone)) : Scorer.layerNone
  return Layer.mergeAll(chat, scorer).pipe(Layer.provideMerge(Catalog.layer), Layer.provideMerge(config), Layer.provideMerge(NodeContext.layer))
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20)

/** The instant provider's reply to each item's first request, with the request's seed (one per item). */
const firstReplies = (n: number, shard?: Shard) =>
  Effect.runPromise(Effect.gen(function*() {
    const catalog = yield* Catalog
    const out: Array<readonly [number, string]> = []
    for (const item of workItems(catalog, plan(n, shard))) {
      const tools = item.scenario.tools.map((t) => catalog.tools.get(t)!)
      const request = buildRequest(item, tools, { temperature: 0.9, maxTokens: 3000, typeDescription: catalog.descriptions.get(item.scenario.type), attempt: 0 })
      out.push([request.seed ?? -1, instantReply(request)])
    }
    return out
  }).pipe(Effect.provide(layers(n))))

/** The replies by seed, ready before the clock starts, as the bare loop has them. */
const readyReplies = async (n: number, shard?: Shard) => {
  const list = await firstReplies(n, shard)
  const replies = new Map(list)
  if (replies.size !== list.length) throw new Error(`${list.length} items but ${replies.size} request seeds: replies cannot be found by seed`)
  return replies
}

const pipeline = async (dir: string, n: number, ready: boolean, scored: boolean, inline: boolean, shard?: Shard, startAt?: number) => {
  const replies = ready ? await readyReplies(n, shard) : undefined
  const late = startAt === undefined ? 0 : Date.now() - startAt
  if (startAt !== undefined && late < 0) await new Promise((wake) => setTimeout(wake, -late))
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  let firstRequest = -1
  const started = performance.now()
  const onRequest = () => {
    if (firstRequest < 0) firstRequest = performance.now()
  }
  const progress = await Effect.runPromise(runGeneration({ dir, plan: plan(n, shard), force: false }).pipe(Effect.provide(layers(n, onRequest, replies, scored, inline))))
  const ended = performance.now()
  const seconds = (ended - started) / 1000
  const fromFirstRequest = (ended - firstRequest) / 1000
  clearInterval(sampler)
  // The kernel's high-water mark (KiB) catches a peak between two samples.
  const maxRss = Math.max(peak, process.resourceUsage().maxRSS * 1024)
  const epoch = (at: number) => performance.timeOrigin + at
  return {
    seconds,
    fromFirstRequest,
    firstRequestAt: epoch(firstRequest),
    endedAt: epoch(ended),
    lateMs: Math.max(0, late),
    missed,
    planned: progress.planned,
    accepted: progress.accepted,
    rejected: progress.rejected,
    failed: progress.failed,
    rejections: progress.rejections,
    peakRssMb: mb(maxRss)
  }
}

const bare = async (n: number) => {
  const responses = (await firstReplies(n)).map(([, reply]) => reply)
  const fd = openSync(args[1] ?? "/dev/null", "a")
  const started = performance.now()
  let batch: Array<string> = []
  for (const response of responses) {
    batch.push(JSON.stringify(JSON.parse(response)))
    if (batch.length === 256) {
      writeSync(fd, batch.join("\n") + "\n")
      batch = []
    }
  }
  writeSync(fd, batch.join("\n") + "\n")
  closeSync(fd)
  return { seconds: (performance.now() - started) / 1000 }
}

const resume = async (dir: string, n: number) => {
  let firstRequestMs = -1
  const progress = await Effect.runPromise(
    runGeneration({ dir, plan: plan(n), force: false }).pipe(Effect.provide(layers(n, () => {
      // performance.now() counts from the process's start.
      if (firstRequestMs < 0) firstRequestMs = performance.now()
    })))
  )
  return { firstRequestMs, skipped: progress.skipped, accepted: progress.accepted, peakRssMb: mb(process.resourceUsage().maxRSS * 1024) }
}

const shardOf = (text: string | undefined): Shard | undefined => (text === undefined ? undefined : Schema.decodeUnknownSync(ShardFromString)(text))

const result = mode === "pipeline"
  ? await pipeline(args[0]!, Number(args[1]), args[2] === "ready", args[3] !== "unscored", args[3] === "inline", shardOf(args[4]), args[5] === undefined ? undefined : Number(args[5]))
  : mode === "bare"
  ? await bare(Number(args[0]))
  : mode === "resume"
  ? await resume(args[0]!, Number(args[1]))
  : undefined
if (result === undefined) {
  console.error("usage: pipelineChild pipeline DIR N [ready [scored|unscored|inline [I/C AT]]] | bare N [FILE] | resume DIR N")
  process.exit(2)
}
console.log(JSON.stringify(result))
