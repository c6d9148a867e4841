/**
 * The thread-split probe: how fast could the pipeline go on two cores if a second thread took
 * everything from the reply's text to the record's line (parse, validate, review, record line; see
 * threadSplitWork.ts), the main thread keeping the prompts, the dedup decisions and the writing? A
 * bound, not the pipeline: plain loops, no Effect runtime, no provider pool, the replies ready. Three
 * ways, N conversations each (default 20,000), in one process after another:
 * - `one thread`: everything on the main thread;
 * - `thread`: all of the work above on the second thread;
 * - `shared`: the main thread does a batch itself whenever the thread has 128 or more waiting.
 * A diagnostic beside `npm run bench`, not one of its figures:
 * `npx tsc -p tsconfig.bench.json && node .bench/bench/threadSplit.js [N]`.
 */
import { closeSync, openSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { workItems } from "../src/catalog/workItems.js"
import { buildRequest } from "../src/generate/prompt.js"
import { DedupIndex } from "../src/quality/Dedup.js"
import { instantReply } from "./instantProvider.js"
import { type Done, type Job, loadSettings, makeWork } from "./threadSplitWork.js"

const n = Number(process.argv[2] ?? 20_000)
const BATCH = 32
const BACKLOG = 128

const { catalog, config } = await loadSettings()
const items = [...workItems(catalog, { maxItems: n, types: [], samplesPerVariation: null, seed: 42 })]
const toolsOf = (item: (typeof items)[number]) => item.scenario.tools.map((name) => catalog.tools.get(name)!)
const request = (item: (typeof items)[number]) =>
  buildRequest(item, toolsOf(item), { temperature: 0.9, maxTokens: 3000, typeDescription: catalog.descriptions.get(item.scenario.type), attempt: 0 })
const replies = new Map(items.map((item) => {
  const r = request(item)
  return [r.seed, instantReply(r)] as const
}))

const measure = async (mode: "one thread" | "thread" | "shared") => {
  const work = makeWork(catalog, config)
  const index = new DedupIndex(config.quality.dedup_threshold)
  index.reserve(n)
  const fd = openSync(join(tmpdir(), "agentic-synth-thread-split.jsonl"), "w")
  let written = 0
  let onMain = 0
  const settle = (answers: ReadonlyArray<Done>) => {
    const lines: Array<string> = []
    for (const a of answers) {
      if ("rejected" in a || a.score < config.quality.min_score) continue
      if (a.keys !== undefined) {
        if (index.findKeys(a.keys) !== undefined) continue
        index.addRaw(a.id, a.keys.exact[0], a.keys.exact[1], a.keys.signature, 0)
      }
      lines.push(a.line)
    }
    if (lines.length > 0) writeSync(fd, lines.join("\n") + "\n")
    written += answers.length
  }
  const finished = new Int32Array(new SharedArrayBuffer(4))
  const worker = mode === "one thread" ? undefined : new Worker(new URL("./threadSplitWorker.js", import.meta.url), { workerData: { finished } })
  if (worker !== undefined) await new Promise((resolve) => worker.once("message", resolve))
  const started = performance.now()
  let sent = 0
  await new Promise<void>((resolve) => {
    worker?.on("message", (answers: ReadonlyArray<Done> | { busyMs: number }) => {
      if (!Array.isArray(answers)) return
      settle(answers)
      if (written === n) resolve()
    })
    let next = 0
    const pump = () => {
      while (next < n) {
        const batch: Array<Job> = []
        for (; batch.length < BATCH && next < n; next++) {
          const item = items[next]!
          const reply = replies.get(request(item).seed)!
          batch.push([item.id, item.scenario.type, item.scenario.id, item.variation, item.sample, item.seed, reply])
        }
        if (worker === undefined || (mode === "shared" && sent - Atomics.load(finished, 0) >= BACKLOG)) {
          settle(batch.map(work))
          onMain += batch.length
          if (written === n) return resolve()
        } else {
          worker.postMessage(batch)
          sent += batch.length
        }
        // Far ahead of the thread: let its answers in.
        if (worker !== undefined && sent - Atomics.load(finished, 0) > 4 * BACKLOG) break
      }
      if (next < n) setImmediate(pump)
    }
    pump()
  })
  const seconds = (performance.now() - started) / 1000
  closeSync(fd)
  let threadBusy = 0
  if (worker !== undefined) {
    worker.postMessage("stats")
    threadBusy = await new Promise<number>((resolve) => worker.on("message", (m: { busyMs?: number }) => m.busyMs !== undefined && resolve(m.busyMs)))
    await worker.terminate()
  }
  console.log(`${mode.padEnd(10)} ${String(Math.round(n / seconds)).padStart(6)} conversations/s   ${String(onMain).padStart(6)} done on the main thread   thread busy ${(threadBusy / 1000).toFixed(2)} s of ${seconds.toFixed(2)} s`)
}

for (const mode of ["one thread", "thread", "shared"] as const) await measure(mode)
console.log(`peak RSS of the process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB (the ${n} ready replies included)`)
