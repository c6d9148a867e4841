import { Console, Effect } from "effect"
import { inspect } from "node:util"

const ANSI = /\u001b\[[0-9;]*m/g

/** A Console that keeps what is printed (ANSI colours removed), for checking CLI output in-process. */
export const captureConsole = () => {
  const stdout: Array<string> = []
  const stderr: Array<string> = []
  const text = (args: ReadonlyArray<unknown>) =>
    args.map((arg) => (typeof arg === "string" ? arg : inspect(arg))).join(" ").replace(ANSI, "")
  const base = Effect.runSync(Console.consoleWith(Effect.succeed))
  const toOut = (...args: ReadonlyArray<unknown>) => Effect.sync(() => void stdout.push(text(args)))
  const toErr = (...args: ReadonlyArray<unknown>) => Effect.sync(() => void stderr.push(text(args)))
  const console: Console.Console = {
    ...base,
    log: toOut,
    info: toOut,
    error: toErr,
    warn: toErr,
    unsafe: {
      ...base.unsafe,
      log: (...args) => void stdout.push(text(args)),
      info: (...args) => void stdout.push(text(args)),
      error: (...args) => void stderr.push(text(args)),
      warn: (...args) => void stderr.push(text(args))
    }
  }
  return { console, stdout: () => stdout.join("\n"), stderr: () => stderr.join("\n") }
}
