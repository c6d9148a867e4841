import { Command, ValidationError } from "@effect/cli"
import { Cause, Console, Effect, Option } from "effect"
import { exportCommand } from "./exportCommand.js"
import { generateCommand } from "./generateCommand.js"
import { planCommand } from "./planCommand.js"
import { reportCommand } from "./reportCommand.js"
import { rescoreCommand } from "./rescoreCommand.js"
import { scenariosCommand } from "./scenariosCommand.js"
import { validateCommand } from "./validateCommand.js"
import { VERSION } from "./version.js"

export const rootCommand = Command.make("agentic-synth").pipe(
  Command.withDescription(
    "Generate synthetic agentic training conversations (planning, reasoning, OpenAI-style tool calls) from free or cheap LLM APIs"
  ),
  Command.withSubcommands([generateCommand, reportCommand, exportCommand, rescoreCommand, scenariosCommand, planCommand, validateCommand])
)

const cli = Command.run(rootCommand, { name: "agentic-synth", version: VERSION })

/** Exit codes: 0 done, 1 the job or a check failed, 2 bad input (flags, config, catalogue, run directory). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const

/** The error types that reach the user as one line. */
const userErrors = new Set(["ConfigError", "CatalogError", "UsageError", "ProviderError", "ChecksFailed", "SinkError", "GenerationIncomplete", "ExportError", "ReportError"])

const exitCodeOf = (error: { readonly _tag: string; readonly reason?: unknown }): number =>
  error._tag === "ChecksFailed" || (error._tag === "ProviderError" && error.reason !== "Unauthorized") || error._tag === "GenerationIncomplete" ||
    (error._tag === "SinkError" && error.reason === "WriteFailed")
    ? EXIT.failed
    : EXIT.badInput

/**
 * Runs the CLI on `argv` (with the executable and script first, as in `process.argv`) and returns the
 * exit code. Typed errors become one line on stderr; @effect/cli has already printed its own.
 */
export const runCli = (argv: ReadonlyArray<string>) =>
  cli(argv).pipe(
    Effect.as(EXIT.ok as number),
    Effect.catchIf(ValidationError.isValidationError, () => Effect.succeed(EXIT.badInput as number)),
    Effect.catchAllCause((cause) =>
      Option.match(Cause.failureOption(cause), {
        onSome: (error) => {
          const tagged = error as { readonly _tag?: string; readonly message?: string; readonly reason?: unknown }
          if (tagged._tag !== undefined && userErrors.has(tagged._tag)) {
            return Console.error(`error: ${tagged.message}`).pipe(Effect.as(exitCodeOf({ ...tagged, _tag: tagged._tag })))
          }
          return Console.error(`internal error: ${Cause.pretty(cause)}`).pipe(Effect.as(EXIT.failed as number))
        },
        onNone: () =>
          Cause.isInterruptedOnly(cause)
            ? Effect.succeed(130)
            : Console.error(`internal error: ${Cause.pretty(cause)}`).pipe(Effect.as(EXIT.failed as number))
      })
    )
  )
