import type { QualitySettings } from "../config/ConfigSchema.js"
import type { ScenarioRef, Variation } from "../domain/Scenario.js"
import type { ToolDefinition } from "../domain/Tool.js"
import type { ReviewFields } from "./assess.js"

// What the main thread and a review thread say to each other (structured-clone data only).

/** Given once, when the thread starts. */
export interface ReviewThreadSetup {
  readonly settings: QualitySettings
  readonly scenarios: ReadonlyArray<{ readonly type: string; readonly id: string; readonly variations: ReadonlyArray<Variation> }>
  readonly tools: ReadonlyArray<ToolDefinition>
}

/** One conversation to review: its turns as JSON, its tool list by number (with the definitions the first time), its scenario. */
export interface ReviewJob {
  readonly turns: string
  readonly toolList: number
  readonly tools?: ReadonlyArray<ToolDefinition>
  readonly scenario: Pick<ScenarioRef, "type" | "id" | "variation">
}

/**
 * A batch of jobs, numbered, and the batch's answers in the same order (or why the thread could not
 * review them). The dedup keys come packed, two numbers and 60 bytes a job in two buffers that are
 * handed over, not copied (a typed array per answer cost an allocation on each side).
 */
export interface ReviewRequest {
  readonly batch: number
  readonly jobs: ReadonlyArray<ReviewJob>
}
export type ReviewReply =
  | {
    readonly batch: number
    readonly fields: ReadonlyArray<ReviewFields>
    readonly exact?: Uint32Array
    readonly signatures?: Uint8Array
  }
  | { readonly batch: number; readonly error: string }
