/** The thread of the thread-split probe (threadSplit.ts): answers each batch of jobs in order. */
import { parentPort, workerData } from "node:worker_threads"
import { type Job, loadSettings, makeWork } from "./threadSplitWork.js"

const { catalog, config } = await loadSettings()
const work = makeWork(catalog, config)
const finished = (workerData as { readonly finished: Int32Array }).finished
let busyMs = 0
parentPort!.on("message", (batch: ReadonlyArray<Job> | "stats") => {
  if (batch === "stats") return parentPort!.postMessage({ busyMs })
  const started = performance.now()
  const answers = batch.map(work)
  busyMs += performance.now() - started
  // Counted before the answers go: the main thread reads the count while its event loop is busy.
  Atomics.add(finished, 0, batch.length)
  parentPort!.postMessage(answers)
})
parentPort!.postMessage("ready")
