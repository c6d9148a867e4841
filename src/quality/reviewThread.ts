/**
 * A review thread: the rule-based review (scores, patterns, complexity, dedup keys) of the conversations
 * the main thread sends it, in batches. Loads the quality rules and ajv, not the Effect runtime.
 */
import { parentPort, workerData } from "node:worker_threads"
import type { ValidateFunction } from "ajv"
import { compileParameters, makeAjv } from "../catalog/toolSchemas.js"
import type { ToolDefinition } from "../domain/Tool.js"
import { makeReviewer, type Reviewable, type ReviewFields } from "./assess.js"
import { dedupKeys, SIGNATURE_BYTES } from "./Dedup.js"
import type { ReviewReply, ReviewRequest, ReviewThreadSetup } from "./reviewProtocol.js"

const setup = workerData as ReviewThreadSetup
const tools = new Map(setup.tools.map((tool) => [tool.function.name, tool] as const))
// The catalogue's validators, compiled as the catalogue compiles them: in its order, in one ajv (a
// schema may refer to one before it by its $id).
const ajv = makeAjv()
const validators = new Map<string, ValidateFunction>()
for (const tool of setup.tools) {
  // As in the main thread: a tool whose schema does not compile is not validated.
  const compiled = compileParameters(ajv, tool.function.parameters)
  if (compiled.ok) validators.set(tool.function.name, compiled.validate)
}
const review = makeReviewer(setup.settings, { scenarios: setup.scenarios, tools, validators })
const toolLists = new Map<number, ReadonlyArray<ToolDefinition>>()

parentPort!.on("message", ({ batch, jobs }: ReviewRequest) => {
  try {
    // Every new tool list first: a job that fails must not leave a later one's list unknown.
    for (const job of jobs) if (job.tools !== undefined) toolLists.set(job.toolList, job.tools)
    const keys = setup.settings.dedup ? { exact: new Uint32Array(2 * jobs.length), signatures: new Uint8Array(SIGNATURE_BYTES * jobs.length) } : undefined
    const fields = jobs.map((job, i): ReviewFields => {
      const list = toolLists.get(job.toolList)
      if (list === undefined) throw new Error(`tool list ${job.toolList} was never sent`)
      const conversation: Reviewable = {
        turns: JSON.parse(job.turns) as Reviewable["turns"],
        tools: list,
        scenario: { ...job.scenario, title: "" }
      }
      const { fields, trace } = review(conversation)
      if (keys !== undefined) {
        const { exact, signature } = dedupKeys(conversation, trace)
        keys.exact[2 * i] = exact[0]
        keys.exact[2 * i + 1] = exact[1]
        keys.signatures.set(signature, SIGNATURE_BYTES * i)
      }
      return fields
    })
    const reply: ReviewReply = keys === undefined ? { batch, fields } : { batch, fields, ...keys }
    parentPort!.postMessage(reply, keys === undefined ? [] : [keys.exact.buffer, keys.signatures.buffer])
  } catch (error) {
    parentPort!.postMessage({ batch, error: error instanceof Error ? error.message : String(error) })
  }
})
