/**
 * `npm run bench`: every benchmark, ratios measured in one run, results in bench/results/latest.json.
 * Options: --seconds N (length of each limit run, default 120), --conversations N (quality run, default
 * 100000), --pipeline N (the pipeline rate run and its diagnostics, default 50000), --short N (a short
 * rate run and the small memory run, default 10000), --memory N (the large memory run, default 100000),
 * --shard-seconds N (the shard scale-out run, default 60), --only limits|quality|pipeline|shards.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { limitScenarios, runLimitScenario } from "./limits.js"
import { runPipelineBench } from "./pipeline.js"
import { runQualityBench } from "./quality.js"
import { runShardBench } from "./shards.js"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

const seconds = arg("seconds", 120)
const conversations = arg("conversations", 100_000)
const pipelineSize = arg("pipeline", 50_000)
const shortSize = arg("short", 10_000)
const memorySize = arg("memory", 100_000)
const shardSeconds = arg("shard-seconds", 60)
const onlyAt = process.argv.indexOf("--only")
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
console.log(`agentic-synth benchmarks on ${machine}`)

// Quality first, alone: it measures CPU and memory, which the limit runs would disturb.
const quality = only === undefined || only === "quality" ? await runQualityBench(conversations) : undefined
if (quality !== undefined) {
  console.log(
    `quality: scored and deduplicated ${quality.conversations} conversations in ${quality.seconds.toFixed(1)} s = ` +
      `${Math.round(quality.perSecond)}/s, peak RSS ${Math.round(quality.peakRssMb)} MB, ` +
      `${quality.duplicates} duplicates found (${quality.conversations / 50} planted)`
  )
}

const pipeline = only === undefined || only === "pipeline" ? await runPipelineBench(pipelineSize, shortSize, memorySize) : undefined
if (pipeline !== undefined) {
  console.log(
    `pipeline: ${Math.round(pipeline.pipelinePerSecond)} conversations/s through prompt → parse → validate → score → dedup → sink ` +
      `(${pipeline.conversations}, from the first request; ${Math.round(pipeline.withStartPerSecond)}/s from the run's start; ` +
      `${Math.round(pipeline.shortRun.perSecond)}/s over a run of ${pipeline.shortRun.conversations}; ` +
      `${Math.round(pipeline.largePerSecond)}/s over ${memorySize}), bare parse+stringify+append loop ${Math.round(pipeline.barePerSecond)}/s, ratio ${pipeline.ratio.toFixed(3)}; ` +
      `peak RSS ${Object.entries(pipeline.peakRssMb).map(([n, mb]) => `${mb} MB at ${n}`).join(", ")}; ` +
      `diagnostic: ${Math.round(pipeline.unscoredPerSecond)}/s with the quality stage's rules off, ${Math.round(pipeline.inlinePerSecond)}/s with the review in the main thread (review_threads 0); ` +
      `two shards side by side (2 × ${pipeline.conversations}): ${Math.round(pipeline.twoShards.perSecond)}/s combined` +
      `${pipeline.twoShards.lateMs > 0 ? ` (one started ${Math.round(pipeline.twoShards.lateMs)} ms late)` : ""}, peak RSS ${pipeline.twoShards.peakRssMb.join(" + ")} MB; ` +
      `resume start-up with ${memorySize} done: ${Math.round(pipeline.resumeStartMs)} ms to the first new request ` +
      `(${Math.round(pipeline.cliResumeStartMs)} ms through the CLI, from spawning it)`
  )
}

console.log(`limit runs: ${seconds} s each, run side by side\n`)
const limits = only === undefined || only === "limits" ? await Promise.all(limitScenarios(seconds).map(runLimitScenario)) : []
for (const r of limits) {
  console.log(
    `${r.name}: achieved ${r.achieved} of ${r.allowed} allowed = ${(r.utilisation * 100).toFixed(1)}%, ` +
      `429s ${r.answered429} of ${r.sent} sent = ${(r.share429 * 100).toFixed(2)}%` +
      (r.perProvider.length > 1 ? ` (${r.perProvider.map((p) => `${p.flavor} ${p.achieved}/${(p.rpm * seconds) / 60}`).join(", ")})` : "")
  )
}

const shards = only === undefined || only === "shards" ? await runShardBench(120, shardSeconds) : undefined
if (shards !== undefined) {
  console.log(
    `shards: ${shards.shards} processes × 120/min, ${shards.items} items, export holds ${shards.exported} ` +
      `(${shards.duplicateIds} ids twice, ${shards.missingIds} missing); combined ${Math.round(shards.achievedPerMinute)}/min of ` +
      `${shards.limitPerMinute}/min = ${(shards.ratio * 100).toFixed(1)}%`
  )
}

mkdirSync("bench/results", { recursive: true })
// With --only, the other parts keep their figures from the last run (each part carries its own date).
const previous = (() => {
  try {
    return JSON.parse(readFileSync("bench/results/latest.json", "utf8")) as Record<string, unknown>
  } catch {
    return {}
  }
})()
const date = new Date().toISOString()
const part = <A>(name: string, value: A | undefined) => (value === undefined || (Array.isArray(value) && value.length === 0) ? previous[name] : { date, ...value })
writeFileSync(
  "bench/results/latest.json",
  JSON.stringify({ date, machine, quality: part("quality", quality), pipeline: part("pipeline", pipeline), limits: limits.length === 0 ? previous["limits"] : limits, shards: part("shards", shards) }, null, 2) + "\n"
)
console.log("\nwritten to bench/results/latest.json")
