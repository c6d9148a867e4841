import { Data } from "effect"

/** The run directory cannot be used or written; `message` names the file, the fault and the fix. */
export class SinkError extends Data.TaggedError("SinkError")<{
  readonly reason: "Unwritable" | "Corrupt" | "ConfigMismatch" | "Locked" | "WriteFailed"
  readonly message: string
}> {}
