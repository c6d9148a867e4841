/**
 * A review thread: the rule-based review (scores, patterns, complexity, dedup keys) of the conversations
 * the main thread sends it, in batches. Loads the quality rules and ajv, not the Effect runtime.
 */
import { parentPort, workerData } from "node:worker_threads"
import { makeAjv } from "../catalog/toolSchemas.js"
import type { ToolDefinition } from "../domain/Tool.js"
import { makeReviewer, type Reviewable } from "./assess.js"
import { dedupKeys, SIGNATURE_BYTES } from "./Dedup.js"
import type { ReviewAnswer, ReviewReply, ReviewRequest, ReviewThreadSetup } from "./reviewProtocol.js"

const setup = workerData as ReviewThreadSetup
const tools = new Map(setup.tools.map((tool) => [tool.function.name, tool] as const))
// The catalogue's validators, compiled when a tool is first met (the thread sees only the tools in use).
const ajv = makeAjv()
const compiled = new Map<string, ReturnType<typeof ajv.compile> | null>()
const validators = {
  get(name: string) {
    let validate = compiled.get(name)
    if (validate === undefined) {
      const tool = tools.get(name)
      try {
        validate = tool === undefined ? null : ajv.compile(tool.function.parameters)
      } catch {
        validate = null
      }
      compiled.set(name, validate)
    }
    return validate ?? undefined
  }
}
const review = makeReviewer(setup.settings, { scenarios: setup.scenarios, tools, validators })
const toolLists = new Map<number, ReadonlyArray<ToolDefinition>>()

parentPort!.on("message", ({ batch, jobs }: ReviewRequest) => {
  try {
    const exact = setup.settings.dedup ? new Uint32Array(2 * jobs.length) : undefined
    const signatures = setup.settings.dedup ? new Uint8Array(SIGNATURE_BYTES * jobs.length) : undefined
    const fields = jobs.map((job, i): ReviewAnswer["fields"] => {
      if (job.tools !== undefined) toolLists.set(job.toolList, job.tools)
      const conversation: Reviewable = {
        turns: JSON.parse(job.turns) as Reviewable["turns"],
        tools: toolLists.get(job.toolList) ?? [],
        scenario: { ...job.scenario, title: "" }
      }
      const { fields, trace } = review(conversation)
      if (exact !== undefined && signatures !== undefined) {
        const keys = dedupKeys(conversation, trace)
        exact[2 * i] = keys.exact[0]
        exact[2 * i + 1] = keys.exact[1]
        signatures.set(keys.signature, SIGNATURE_BYTES * i)
      }
      return fields
    })
    const reply: ReviewReply = exact === undefined || signatures === undefined ? { batch, fields } : { batch, fields, exact, signatures }
    parentPort!.postMessage(reply, exact === undefined || signatures === undefined ? [] : [exact.buffer, signatures.buffer])
  } catch (error) {
    parentPort!.postMessage({ batch, error: error instanceof Error ? error.message : String(error) })
  }
})
