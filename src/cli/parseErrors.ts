import { CliConfig, Command, HelpDoc, type ValidationError } from "@effect/cli"
import { closest } from "../config/merge.js"

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g

/** Text without its colour codes. */
export const stripAnsi = (text: string): string => text.replace(ANSI, "")

const plain = (doc: HelpDoc.HelpDoc): string => stripAnsi(HelpDoc.toAnsiText(doc))

/** A command's help as plain text. */
export const helpOf = <Name extends string, R, E, A>(command: Command.Command<Name, R, E, A>): string =>
  plain(Command.getHelp(command, CliConfig.defaultConfig))

/** The `--flag` names a command's help lists (its own and the built-in ones). */
const flagsIn = (help: string): ReadonlyArray<string> => [...new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? [])]

/** Each flag's choices as its help lists them (`--format openai | sharegpt | hf`). */
const choicesIn = (help: string): ReadonlyMap<string, ReadonlyArray<string>> =>
  new Map([...help.matchAll(/(--[a-z][a-z0-9-]*)\s+([^\s|()]+(?:\s+\|\s+[^\s|()]+)+)/g)].map((m) => [m[1]!, m[2]!.split(/\s+\|\s+/)] as const))

/** The value given to `flag` (`--format v`, `--format=v`, or its short form before a value), if any. */
const givenValue = (argv: ReadonlyArray<string>, flag: string, help: string): string | undefined => {
  const short = new RegExp(`\\((-[a-zA-Z]), ${flag}\\b`).exec(help)?.[1]
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1)
    if (arg === flag || (short !== undefined && arg === short)) return argv[i + 1]
  }
  return undefined
}

const BUILT_IN = new Set(["--log-level", "--completions", "--wizard", "--version"])

/**
 * A command-line mistake as the one line every other error is: what is wrong, and where to look.
 * @effect/cli words an option given without its value as an unknown argument, and suggests nothing for
 * a misspelt one; both are said here in the user's terms.
 */
export const parseErrorLine = (
  error: ValidationError.ValidationError,
  argv: ReadonlyArray<string>,
  /** Each subcommand's name and its help text (read only for the command given). */
  subcommands: ReadonlyMap<string, () => string>
): string => {
  const name = argv.slice(2).find((arg) => subcommands.has(arg))
  const commandHelp = name === undefined ? undefined : subcommands.get(name)!()
  const help = name === undefined ? "agentic-synth --help" : `agentic-synth ${name} --help`
  // @effect/cli may list several problems; the first is said (the next shows once it is fixed).
  const said = plain(error.error).split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "invalid command line"

  const unknown = /^Received unknown argument: '([^']*)'/.exec(said)
  if (unknown !== null && commandHelp !== undefined) {
    const arg = unknown[1]!
    const flag = arg.replace(/=.*$/, "")
    const flags = flagsIn(commandHelp)
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
    // Name the flag whose value was refused: the one whose help lists these choices, as it was given.
    const allowed = cases[1]!.replace(/\.$/, "").split(/,\s*/)
    const choices = commandHelp === undefined ? new Map<string, ReadonlyArray<string>>() : choicesIn(commandHelp)
    const flag = [...choices].find(([, values]) => values.length === allowed.length && values.every((v) => allowed.includes(v)))?.[0]
    const given = flag === undefined || commandHelp === undefined ? undefined : givenValue(argv, flag, commandHelp)
    return `${flag === undefined ? "a value" : `${flag}${given === undefined ? "" : ` '${given}'`}`} is not one of ${allowed.join(", ")} (see ${help})`
  }
  return `${said.replace(/\.$/, "")} (see ${help})`
}
