/**
 * Pipeline overhead, memory and resume start-up: the real generation pipeline (prompt → parse →
 * validate → score → dedup → sink) with an instant in-process provider, against a bare loop that only
 * parses, re-serialises and appends the same responses, in the same run. Each measurement runs in a
 * fresh process of the compiled code (bench/pipelineChild.ts), as a user runs the tool: the harness's
 * own memory is not counted, and one measurement does not warm or fill the heap of the next.
 */
import { execFile, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startFakeProvider } from "../test/support/fakeProvider.js"
import { fakeConversation } from "../test/support/fakeConversation.js"
import { BIN } from "./cliPath.js"

const CHILD = fileURLToPath(new URL("./pipelineChild.js", import.meta.url))

/**
 * Resume start-up as a user meets it: the real `generate` command asked for `items` on a directory
 * that holds all but one, against an instant loopback provider; milliseconds from spawning the process
 * to the provider's first chat request.
 */
const cliFirstRequestMs = async (dir: string, items: number): Promise<number> => {
  const fake = await startFakeProvider({ flavor: "plain", reply: (body) => ({ content: fakeConversation(body) }) })
  try {
    const spawned = Date.now()
    const code = await new Promise<number | null>((done) => {
      const cli = spawn(process.execPath, [BIN, "generate", "-o", dir, "-n", String(items), "--quiet"], {
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", OPENAI_BASE_URL: fake.url },
        stdio: "ignore"
      })
      cli.on("exit", done)
    })
    const first = fake.chatRequests()[0]
    if (code !== 0 || first === undefined) throw new Error(`the resumed generate exited with ${code} after ${fake.chatRequests().length} requests`)
    return first.at - spawned
  } finally {
    await fake.close()
  }
}

const child = <A>(...args: ReadonlyArray<string>) =>
  new Promise<A>((resolve, reject) =>
    execFile(process.execPath, [CHILD, ...args], { maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
      error === null ? resolve(JSON.parse(stdout.trim().split("\n").pop()!) as A) : reject(new Error(`${args.join(" ")}: ${stderr || error.message}`))
    )
  )

interface PipelineRun {
  /** From the start of the run (catalogue, run directory, dedup index) to its end. */
  readonly seconds: number
  /** From the first request to the end: the stream's rate, as the bare loop's is measured. */
  readonly fromFirstRequest: number
  /** Requests a ready reply was not found for. */
  readonly missed: number
  readonly accepted: number
  readonly rejected: number
  readonly failed: number
  readonly rejections: Readonly<Record<string, number>>
  readonly peakRssMb: number
}

interface ShardRun extends PipelineRun {
  readonly planned: number
  /** Epoch milliseconds of the shard's first request and of its end. */
  readonly firstRequestAt: number
  readonly endedAt: number
  /** How late the shard was for the common start (its set-up took longer than the lead). */
  readonly lateMs: number
}

/** Lead before the shards' common start, for each to load its code and catalogue and write its replies. */
const SHARD_LEAD_MS = 8000

/**
 * The same rate run as a job of `2 × items` split `--shard 1/2` and `2/2` across two processes side by
 * side (each with `items`, as the one-process run has), both starting at one moment: the job's
 * conversations ÷ the time from the first request of either to the end of the last.
 */
const twoShards = async (root: string, items: number) => {
  const job = 2 * items
  const at = String(Date.now() + SHARD_LEAD_MS)
  const runs = await Promise.all([1, 2].map((index) =>
    child<ShardRun>("pipeline", join(root, `shard-${index}`), String(job), "ready", "scored", `${index}/2`, at)
  ))
  const planned = runs.reduce((sum, run) => sum + run.planned, 0)
  const missed = runs.reduce((sum, run) => sum + run.missed, 0)
  if (planned !== job || missed > 0) throw new Error(`the two shards planned ${planned} of ${job} items (${missed} without a ready reply)`)
  const span = (Math.max(...runs.map((run) => run.endedAt)) - Math.min(...runs.map((run) => run.firstRequestAt))) / 1000
  return { conversations: job, perSecond: job / span, lateMs: Math.max(...runs.map((run) => run.lateMs)), peakRssMb: runs.map((run) => run.peakRssMb) }
}

export interface PipelineResult {
  readonly conversations: number
  /** Conversations/s from the first request to the last line written, replies ready (as the bare loop's). */
  readonly pipelinePerSecond: number
  /** The same run's rate from its start: catalogue loading, the run directory and the dedup index included. */
  readonly withStartPerSecond: number
  /** The same measure over a short run (10,000 by default), where the first seconds' JIT warm-up weighs. */
  readonly shortRun: { readonly conversations: number; readonly perSecond: number }
  readonly barePerSecond: number
  /**
   * Diagnostic, not the bar: the same rate run with the quality stage's rules off (no scores, patterns
   * or dedup keys), in a process of its own right after it: what the rest of the path costs.
   */
  readonly unscoredPerSecond: number
  /** Diagnostic: the same rate run with the review in the main thread (`quality.review_threads: 0`). */
  readonly inlinePerSecond: number
  /**
   * Two cores as `--shard` uses them: a job of twice the rate run's size split across two processes
   * side by side, its conversations ÷ the span from the first request to the last line. Beside the
   * bar, not in its place: the bar is one pipeline's rate.
   */
  readonly twoShards: { readonly conversations: number; readonly perSecond: number; readonly lateMs: number; readonly peakRssMb: ReadonlyArray<number> }
  /** pipeline ÷ bare, same responses, same run */
  readonly ratio: number
  /** Outcomes of the rate run: the instant provider's conversations are distinct, so nearly all are kept. */
  readonly accepted: number
  readonly rejections: Readonly<Record<string, number>>
  /** Peak RSS of the whole process per run size (a fresh process each). */
  readonly peakRssMb: Readonly<Record<string, number>>
  /** Rate of the large (memory) run from its first request, each reply written when asked for. */
  readonly largePerSecond: number
  /** Milliseconds from the process's start to the first new request, with `large` items done. */
  readonly resumeStartMs: number
  /** The same through the real CLI, from spawning `generate` (module loading of the CLI included). */
  readonly cliResumeStartMs: number
}

/**
 * `rated`: the rate run's size (long enough for the rate to be the pipeline's, not its warm-up's);
 * `small`: the short rate run's and the small memory run's; `large`: the large memory run's and resume's.
 */
export const runPipelineBench = async (rated: number, small: number, large: number): Promise<PipelineResult> => {
  const root = mkdtempSync(join(tmpdir(), "agentic-synth-bench-"))
  try {
    const rate = await child<PipelineRun>("pipeline", join(root, "rated"), String(rated), "ready")
    if (rate.missed > 0) throw new Error(`${rate.missed} requests of the rate run found no ready reply`)
    const short = await child<PipelineRun>("pipeline", join(root, "short"), String(small), "ready")
    if (short.missed > 0) throw new Error(`${short.missed} requests of the short rate run found no ready reply`)
    const unscored = await child<PipelineRun>("pipeline", join(root, "unscored"), String(rated), "ready", "unscored")
    if (unscored.missed > 0 || unscored.accepted !== rated) throw new Error(`the unscored run kept ${unscored.accepted} of ${rated} (${unscored.missed} without a ready reply)`)
    const inline = await child<PipelineRun>("pipeline", join(root, "inline"), String(rated), "ready", "inline")
    if (inline.missed > 0) throw new Error(`${inline.missed} requests of the inline run found no ready reply`)
    const shards = await twoShards(root, rated)
    const bare = await child<{ seconds: number }>("bare", String(rated), join(root, "bare.jsonl"))
    // Memory at both sizes with replies written on request: the rate run's ready replies are the harness's.
    const smallMemory = await child<PipelineRun>("pipeline", join(root, "small-memory"), String(small))
    const big = await child<PipelineRun>("pipeline", join(root, "large"), String(large))
    const resume = await child<{ firstRequestMs: number; skipped: number }>("resume", join(root, "large"), String(large + 1))
    if (resume.skipped !== large) throw new Error(`resume skipped ${resume.skipped} items, expected ${large}`)
    const cliResumeStartMs = await cliFirstRequestMs(join(root, "large"), large + 2)
    const pipelinePerSecond = rated / rate.fromFirstRequest
    const barePerSecond = rated / bare.seconds
    return {
      conversations: rated,
      pipelinePerSecond,
      withStartPerSecond: rated / rate.seconds,
      shortRun: { conversations: small, perSecond: small / short.fromFirstRequest },
      barePerSecond,
      unscoredPerSecond: rated / unscored.fromFirstRequest,
      inlinePerSecond: rated / inline.fromFirstRequest,
      twoShards: shards,
      ratio: pipelinePerSecond / barePerSecond,
      accepted: rate.accepted,
      rejections: rate.rejections,
      peakRssMb: { [String(small)]: smallMemory.peakRssMb, [String(large)]: big.peakRssMb },
      largePerSecond: large / big.fromFirstRequest,
      resumeStartMs: resume.firstRequestMs,
      cliResumeStartMs
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
