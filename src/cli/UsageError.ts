import { Data } from "effect"

/** A flag value that cannot be used; `message` names the flag and the fix. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}
