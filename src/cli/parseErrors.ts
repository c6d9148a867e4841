import { CliConfig, Command, HelpDoc, type ValidationError } from "@effect/cli"
import { closest } from "../config/merge.js"

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g

const plain = (doc: HelpDoc.HelpDoc): string => HelpDoc.toAnsiText(doc).replace(ANSI, "")

/** The `--flag` names a command's help lists (its own and the built-in ones). */
export const flagsOf = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>): ReadonlyArray<string> =>
  [...new Set(plain(Command.getHelp(command, CliConfig.defaultConfig)).match(/--[a-z][a-z0-9-]*/g) ?? [])]

const BUILT_IN = new Set(["--log-level", "--completions", "--wizard", "--version"])

/**
 * A command-line mistake as the one line every other error is: what is wrong, and where to look.
 * @effect/cli words an option given without its value as an unknown argument, and suggests nothing for
 * a misspelt one; both are said here in the user's terms.
 */
export const parseErrorLine = (
  error: ValidationError.ValidationError,
  argv: ReadonlyArray<string>,
  /** Each subcommand's name and its flags (read only when needed). */
  subcommands: ReadonlyMap<string, () => ReadonlyArray<string>>
): string => {
  const name = argv.slice(2).find((arg) => subcommands.has(arg))
  const command = name === undefined ? undefined : subcommands.get(name)
  const help = name === undefined ? "agentic-synth --help" : `agentic-synth ${name} --help`
  const said = plain(error.error).split("\n").map((line) => line.trim()).filter((line) => line !== "").join("; ")
  const unknown = /^Received unknown argument: '([^']*)'/.exec(said)
  if (unknown !== null && command !== undefined) {
    const arg = unknown[1]!
    const flag = arg.replace(/=.*$/, "")
    const flags = command()
    // @effect/cli reads its built-in options only before the command.
    if (BUILT_IN.has(flag)) {
      const at = argv.indexOf(arg)
      const value = argv[at + 1]
      const takesNext = !arg.includes("=") && flag !== "--wizard" && flag !== "--version" && value !== undefined && !value.startsWith("-")
      const rest = argv.slice(2).filter((_, i) => i + 2 !== at && !(takesNext && i + 2 === at + 1))
      const given = takesNext ? `${arg} ${value}` : arg
      return `${flag} goes before the command: agentic-synth ${given} ${rest.join(" ")}`.trimEnd()
    }
    if (flags.includes(flag)) return `${flag} needs a value (see ${help})`
    if (flag.startsWith("-")) {
      const guess = closest(flag, flags)
      return `unknown option ${flag}${guess === undefined ? "" : ` (did you mean ${guess}?)`}; see ${help}`
    }
    return `unexpected argument '${arg}'; see ${help}`
  }
  if (unknown !== null && name === undefined) {
    const guess = closest(unknown[1]!, [...subcommands.keys()])
    return `unknown command '${unknown[1]}'${guess === undefined ? "" : ` (did you mean ${guess}?)`}; see ${help}`
  }
  const missing = /^Expected to find option: '([^']*)'/.exec(said)
  if (missing !== null) return `${missing[1]} is required (see ${help})`
  const cases = /^Expected one of the following cases: (.*)$/.exec(said)
  if (cases !== null) {
    // Name the flag whose value was refused: the one before the first value that is not a case.
    const allowed = cases[1]!.split(/,\s*/)
    const at = argv.findIndex((arg, i) => i > 1 && argv[i - 1]!.startsWith("-") && !arg.startsWith("-") && !allowed.includes(arg) && !subcommands.has(arg))
    const flag = at > 0 ? argv[at - 1] : undefined
    return `${flag === undefined ? "the value" : `${flag} '${argv[at]}'`} is not one of ${allowed.join(", ")} (see ${help})`
  }
  return `${said.replace(/\.$/, "")} (see ${help})`
}
