import { Command, ValidationError } from "@effect/cli"
import { Cause, Console, Effect, FiberRef, Option } from "effect"
import { exportCommand } from "./exportCommand.js"
import { generateCommand } from "./generateCommand.js"
import { planCommand } from "./planCommand.js"
import { reportCommand } from "./reportCommand.js"
import { rescoreCommand } from "./rescoreCommand.js"
import { scenariosCommand } from "./scenariosCommand.js"
import { helpOf, parseErrorLine, stripAnsi } from "./parseErrors.js"
import { validateCommand } from "./validateCommand.js"
import { VERSION } from "./version.js"

/** Whether a command's handler is running: before that, what @effect/cli prints on stderr is a parse error. */
const inHandler = FiberRef.unsafeMake(false)

const marked = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>) =>
  command.pipe(Command.transformHandler((effect: Effect.Effect<void, E, R>) => Effect.locally(effect, inHandler, true)))
const HELP: ReadonlyMap<string, () => string> = new Map([
  ["generate", () => helpOf(generateCommand)],
  ["report", () => helpOf(reportCommand)],
  ["export", () => helpOf(exportCommand)],
  ["rescore", () => helpOf(rescoreCommand)],
  ["scenarios", () => helpOf(scenariosCommand)],
  ["plan", () => helpOf(planCommand)],
  ["validate", () => helpOf(validateCommand)]
])

export const rootCommand = Command.make("agentic-synth").pipe(
  Command.withDescription(
    "Generate synthetic agentic training conversations (planning, reasoning, OpenAI-style tool calls) from free or cheap LLM APIs"
  ),
  Command.withSubcommands([
    marked(generateCommand),
    marked(reportCommand),
    marked(exportCommand),
    marked(rescoreCommand),
    marked(scenariosCommand),
    marked(planCommand),
    marked(validateCommand)
  ])
)

const cli = Command.run(rootCommand, { name: "agentic-synth", version: VERSION })

/**
 * @effect/cli prints a parse error as a multi-line help fragment; it is said once instead, as one
 * `error:` line (parseErrorLine). Everything a handler writes to stderr passes through.
 */
const withParseErrorsSaid = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.console, (real) => {
    // @effect/cli colours its help whatever the output is: plain text into a pipe, a file or NO_COLOR.
    const plain = process.stdout.isTTY !== true || (process.env["NO_COLOR"] ?? "") !== ""
    return Effect.withConsole(effect, {
      ...real,
      error: (...args: ReadonlyArray<unknown>) => Effect.flatMap(FiberRef.get(inHandler), (inside) => (inside ? real.error(...args) : Effect.void)),
      log: (...args: ReadonlyArray<unknown>) =>
        Effect.flatMap(FiberRef.get(inHandler), (inside) =>
          inside || !plain ? real.log(...args) : real.log(...args.map((a) => (typeof a === "string" ? stripAnsi(a) : a))))
    })
  })

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
  withParseErrorsSaid(cli(argv)).pipe(
    Effect.as(EXIT.ok as number),
    Effect.catchIf(ValidationError.isValidationError, (error) =>
      Console.error(`error: ${parseErrorLine(error, argv, HELP)}`).pipe(Effect.as(EXIT.badInput as number))),
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
