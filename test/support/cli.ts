import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Effect } from "effect"
import { runCli } from "../../src/cli/main.js"
import { captureConsole } from "./captureConsole.js"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI in-process with `args` and only the environment `env`; returns the exit code and output. */
export const runCliWith = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const capture = captureConsole()
    const code = yield* runCli(["node", "agentic-synth", ...args]).pipe(
      Effect.withConsole(capture.console),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      Effect.provide(NodeContext.layer)
    )
    return { code, stdout: capture.stdout(), stderr: capture.stderr() } satisfies CliResult
  })
