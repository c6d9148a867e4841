import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import type { Conversation } from "../domain/Conversation.js"
import type { ToolDefinition } from "../domain/Tool.js"
import { SIGNATURE_BYTES } from "./Dedup.js"
import type { ReviewFields } from "./assess.js"
import type { ReviewJob, ReviewReply, ReviewThreadSetup } from "./reviewProtocol.js"

/**
 * A thread's heap: it keeps the rules' code, the validators it compiled and the tool lists, and every
 * conversation it reads is garbage at once, so a small heap is collected often and cheaply instead of
 * growing (the built-in catalogue's thread runs in 12 MB; a thread over its limit stops, and the review
 * goes on in the main thread). A larger catalogue gets room for its validators.
 */
const limitsFor = (tools: number) => ({ maxOldGenerationSizeMb: 16 + Math.ceil(tools / 16), maxYoungGenerationSizeMb: 8 })

/** Jobs sent to a thread in one message at most (a larger backlog is split across the threads). */
const BATCH = 32

const CLOSED = "the review threads are closed"

/** A job's review: the fields, and the dedup keys when dedup is on (the exact key's two numbers, the 60-byte signature). */
export interface ReviewAnswer {
  readonly fields: ReviewFields
  readonly exact?: readonly [number, number]
  readonly signature?: Uint8Array
}

/** A job's answer, or why no thread could give it (the caller then reviews in its own thread). */
export type ThreadAnswer = ReviewAnswer | { readonly failed: string }

interface Thread {
  readonly worker: Worker
  /** The tool lists it has been given. */
  readonly toolLists: Set<number>
  /** Jobs sent and not answered. */
  outstanding: number
  alive: boolean
}

/**
 * The compiled thread's file beside this one. Run from the TypeScript sources (the tests, `npm run
 * dev`), the thread registers tsx's require hook (a dev dependency; on Node 20 its ESM loader hooks do
 * not reach a worker) and loads the source.
 */
const threadEntry = (): { readonly entry: URL | string; readonly eval: boolean } => {
  if (!import.meta.url.endsWith(".ts")) return { entry: new URL("./reviewThread.js", import.meta.url), eval: false }
  const require = createRequire(import.meta.url)
  const tsx = require.resolve("tsx/cjs/api")
  const source = fileURLToPath(new URL("./reviewThread.ts", import.meta.url))
  return { entry: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)})`, eval: true }
}

/**
 * Review threads: `count` worker threads each running the rule-based review, fed in batches. Jobs are
 * gathered while the main thread runs and sent once it yields (one message per batch, to the thread
 * with the least work). A thread that fails or exits hands its jobs back as `failed`, as do all jobs
 * once none is left, so a caller never waits on a dead thread.
 */
export const makeReviewThreads = (setup: ReviewThreadSetup, count: number) => {
  const source = threadEntry()
  const threads: Array<Thread> = []
  const waiting = new Map<number, { readonly thread: Thread; readonly callbacks: Array<(answer: ThreadAnswer) => void> }>()
  let nextBatch = 0
  let pending: Array<ReviewJob> = []
  let pendingCallbacks: Array<(answer: ThreadAnswer) => void> = []
  let scheduled = false
  let failure: string | undefined
  let closed = false

  // Tool lists by number: a scenario's records share one array, so its definitions cross once to each
  // thread. Arrays read back from a file are new objects each time: those are known by their text.
  const toolListIds = new WeakMap<object, number>()
  const toolListsByText = new Map<string, number>()
  const toolLists: Array<ReadonlyArray<ToolDefinition>> = []

  const settle = (batch: number, reply: Extract<ReviewReply, { fields: unknown }> | string) => {
    const entry = waiting.get(batch)
    if (entry === undefined) return
    waiting.delete(batch)
    entry.thread.outstanding -= entry.callbacks.length
    if (entry.thread.outstanding === 0) entry.thread.worker.unref()
    if (typeof reply === "string") return entry.callbacks.forEach((callback) => callback({ failed: reply }))
    const { exact, fields, signatures } = reply
    entry.callbacks.forEach((callback, i) =>
      callback(
        exact === undefined || signatures === undefined
          ? { fields: fields[i]! }
          : { fields: fields[i]!, exact: [exact[2 * i]!, exact[2 * i + 1]!], signature: signatures.subarray(SIGNATURE_BYTES * i, SIGNATURE_BYTES * (i + 1)) }
      )
    )
  }

  const lose = (thread: Thread, why: string) => {
    if (!thread.alive) return
    thread.alive = false
    if (threads.every((t) => !t.alive)) failure = why
    for (const [batch, entry] of waiting) if (entry.thread === thread) settle(batch, why)
  }

  for (let i = 0; i < count; i++) {
    let worker: Worker
    try {
      worker = new Worker(source.entry, { workerData: setup, resourceLimits: limitsFor(setup.tools.length), eval: source.eval })
    } catch (error) {
      // Setup that cannot cross to a thread: none is left running.
      for (const started of threads) void started.worker.terminate()
      throw error
    }
    const thread: Thread = { worker, toolLists: new Set(), outstanding: 0, alive: true }
    worker.on("message", (reply: ReviewReply) => settle(reply.batch, "error" in reply ? `a review thread failed: ${reply.error}` : reply))
    worker.on("error", (error) => lose(thread, `a review thread stopped: ${error.message}`))
    worker.on("exit", (code) => lose(thread, closed ? CLOSED : `a review thread exited (code ${code})`))
    worker.unref()
    threads.push(thread)
  }

  const flush = () => {
    scheduled = false
    const jobs = pending
    const callbacks = pendingCallbacks
    pending = []
    pendingCallbacks = []
    for (let start = 0; start < jobs.length; start += BATCH) {
      const end = Math.min(jobs.length, start + BATCH)
      let thread: Thread | undefined
      for (const t of threads) if (t.alive && (thread === undefined || t.outstanding < thread.outstanding)) thread = t
      if (thread === undefined) {
        for (let i = start; i < end; i++) callbacks[i]!({ failed: failure ?? "no review thread is running" })
        continue
      }
      const sent: Array<ReviewJob> = []
      const introduced: Array<number> = []
      for (let i = start; i < end; i++) {
        const job = jobs[i]!
        if (thread.toolLists.has(job.toolList)) sent.push(job)
        else {
          thread.toolLists.add(job.toolList)
          introduced.push(job.toolList)
          sent.push({ ...job, tools: toolLists[job.toolList]! })
        }
      }
      try {
        thread.worker.postMessage({ batch: nextBatch, jobs: sent })
      } catch (error) {
        // What cannot cross to a thread (a tool schema holding a function): reviewed in the main thread.
        for (const list of introduced) thread.toolLists.delete(list)
        const why = `a batch could not be sent to a review thread (${error instanceof Error ? error.message : String(error)})`
        for (let i = start; i < end; i++) callbacks[i]!({ failed: why })
        continue
      }
      waiting.set(nextBatch++, { thread, callbacks: callbacks.slice(start, end) })
      if (thread.outstanding === 0) thread.worker.ref()
      thread.outstanding += sent.length
    }
  }

  const toolListOf = (tools: ReadonlyArray<ToolDefinition>): number => {
    const known = toolListIds.get(tools)
    if (known !== undefined) return known
    const text = JSON.stringify(tools)
    let id = toolListsByText.get(text)
    if (id === undefined) {
      id = toolLists.push(tools) - 1
      toolListsByText.set(text, id)
    }
    toolListIds.set(tools, id)
    return id
  }

  return {
    /**
     * Reviews `conversation` in a thread and calls `done` with the answer (from the main event loop).
     * `turnsJson` is `JSON.stringify(conversation.turns)`: what crosses to the thread.
     */
    submit(conversation: Conversation, turnsJson: string, done: (answer: ThreadAnswer) => void) {
      if (closed || failure !== undefined) return done({ failed: closed ? CLOSED : failure! })
      const { type, id, variation } = conversation.scenario
      pending.push({ turns: turnsJson, toolList: toolListOf(conversation.tools), scenario: { type, id, variation } })
      pendingCallbacks.push(done)
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    /** Stops the threads; what they had not answered is answered `failed`. */
    close: async (): Promise<void> => {
      closed = true
      await Promise.all(threads.map(async (thread) => {
        await thread.worker.terminate()
        lose(thread, CLOSED)
      }))
    }
  }
}

export type ReviewThreads = ReturnType<typeof makeReviewThreads>
