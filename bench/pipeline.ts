/**
 * Pipeline overhead, memory and resume start-up: the real generation pipeline (prompt → parse →
 * validate → score → dedup → sink) with an instant in-process provider, against a bare loop that only
 * parses, re-serialises and appends the same responses, in the same run.
 */
import { NodeContext } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Catalog } from "../src/catalog/Catalog.js"
import { AppConfig } from "../src/config/AppConfig.js"
import { ChatClient } from "../src/provider/ChatClient.js"
import { LlmJudge } from "../src/quality/LlmJudge.js"
import { Scorer } from "../src/quality/Scorer.js"
import { runGeneration } from "../src/sink/runGeneration.js"
import { instantReply } from "./instantProvider.js"

const layers = (maxItems: number) => {
  const config = AppConfig.layerTest({ generation: { max_items: maxItems, concurrency: 32 } })
  const catalog = Catalog.layer.pipe(Layer.provideMerge(config))
  const chat = ChatClient.layerTest((request) => ({
    choices: [{ message: { role: "assistant", content: instantReply(request) }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1500, completion_tokens: 400 }
  }))
  const scorer = Scorer.layerWithJudge.pipe(Layer.provide(LlmJudge.layerNone))
  return Layer.mergeAll(chat, scorer.pipe(Layer.provideMerge(catalog))).pipe(Layer.provideMerge(NodeContext.layer))
}

const plan = (maxItems: number) => ({ maxItems, types: [], samplesPerVariation: null, seed: 42 })

export interface PipelineResult {
  readonly conversations: number
  readonly pipelinePerSecond: number
  readonly barePerSecond: number
  /** pipeline ÷ bare, same responses, same run */
  readonly ratio: number
  readonly peakRssMb: Readonly<Record<string, number>>
  readonly resumeStartMs: number
}

export const runPipelineBench = async (small: number, large: number): Promise<PipelineResult> => {
  const root = mkdtempSync(join(tmpdir(), "agentic-synth-bench-"))
  try {
    let peak = process.memoryUsage().rss
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
    const peaks: Record<string, number> = {}
    const timed = async (n: number, dir: string) => {
      peak = process.memoryUsage().rss
      const started = performance.now()
      const result = await Effect.runPromise(runGeneration({ dir, plan: plan(n), force: false }).pipe(Effect.provide(layers(n))))
      const seconds = (performance.now() - started) / 1000
      peaks[String(n)] = Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20)
      return { seconds, result }
    }
    const first = await timed(small, join(root, "small"))
    // The bare loop: the same responses, parsed, re-serialised and appended in batches.
    const responses: Array<string> = []
    await Effect.runPromise(Effect.gen(function*() {
      const catalog = yield* Catalog
      const { workItems } = yield* Effect.promise(() => import("../src/catalog/workItems.js"))
      const { buildRequest } = yield* Effect.promise(() => import("../src/generate/prompt.js"))
      for (const item of workItems(catalog, plan(small))) {
        responses.push(instantReply(buildRequest(item, item.scenario.tools.map((t) => catalog.tools.get(t)!), { temperature: 0.9, maxTokens: 3000, attempt: 0 })))
      }
    }).pipe(Effect.provide(layers(small))))
    const fd = openSync(join(root, "bare.jsonl"), "a")
    const bareStarted = performance.now()
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
    const bareSeconds = (performance.now() - bareStarted) / 1000

    await timed(large, join(root, "large"))
    // Resume start-up: the large run is done; ask for one more item and time until it is requested.
    let firstRequestAt = 0
    const resumeStarted = performance.now()
    const resumeLayers = Layer.mergeAll(
      ChatClient.layerTest((request) => {
        if (firstRequestAt === 0) firstRequestAt = performance.now()
        return { choices: [{ message: { role: "assistant", content: instantReply(request) }, finish_reason: "stop" }] }
      }),
      Scorer.layerWithJudge.pipe(Layer.provide(LlmJudge.layerNone))
    ).pipe(Layer.provideMerge(Catalog.layer.pipe(Layer.provideMerge(AppConfig.layerTest({ generation: { max_items: large + 1, concurrency: 32 } })))), Layer.provideMerge(NodeContext.layer))
    await Effect.runPromise(runGeneration({ dir: join(root, "large"), plan: plan(large + 1), force: false }).pipe(Effect.provide(resumeLayers)))
    clearInterval(sampler)
    const pipelinePerSecond = small / first.seconds
    const barePerSecond = small / bareSeconds
    return {
      conversations: small,
      pipelinePerSecond,
      barePerSecond,
      ratio: pipelinePerSecond / barePerSecond,
      peakRssMb: peaks,
      resumeStartMs: firstRequestAt - resumeStarted
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
