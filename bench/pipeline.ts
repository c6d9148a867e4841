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

export interface PipelineResult {
  readonly conversations: number
  /** Conversations/s from the first request to the last line written, replies ready (as the bare loop's). */
  readonly pipelinePerSecond: number
  /** The same run's rate from its start: catalogue loading, the run directory and the dedup index included. */
  readonly withStartPerSecond: number
  readonly barePerSecond: number
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

export const runPipelineBench = async (small: number, large: number): Promise<PipelineResult> => {
  const root = mkdtempSync(join(tmpdir(), "agentic-synth-bench-"))
  try {
    const rate = await child<PipelineRun>("pipeline", join(root, "small"), String(small), "ready")
    if (rate.missed > 0) throw new Error(`${rate.missed} requests of the rate run found no ready reply`)
    const bare = await child<{ seconds: number }>("bare", String(small), join(root, "bare.jsonl"))
    // Memory at both sizes with replies written on request: the rate run's ready replies are the harness's.
    const smallMemory = await child<PipelineRun>("pipeline", join(root, "small-memory"), String(small))
    const big = await child<PipelineRun>("pipeline", join(root, "large"), String(large))
    const resume = await child<{ firstRequestMs: number; skipped: number }>("resume", join(root, "large"), String(large + 1))
    if (resume.skipped !== large) throw new Error(`resume skipped ${resume.skipped} items, expected ${large}`)
    const cliResumeStartMs = await cliFirstRequestMs(join(root, "large"), large + 2)
    const pipelinePerSecond = small / rate.fromFirstRequest
    const barePerSecond = small / bare.seconds
    return {
      conversations: small,
      pipelinePerSecond,
      withStartPerSecond: small / rate.seconds,
      barePerSecond,
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
