import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Either, Option, type ParseResult, Schema } from "effect"
import { ConfigError } from "../domain/ConfigError.js"
import { type AppConfigData, AppConfigSchema } from "./ConfigSchema.js"
import { DEFAULT_CONFIG } from "./defaults.js"
import { CONFIG_FILE_ENV, ENV_OVERRIDES, readEnv } from "./envOverrides.js"
import { firstIssue } from "./describeIssue.js"
import { deepMerge, isRecord, setIn } from "./merge.js"
import { locate, parseYaml, syntaxMessage, type YamlFile } from "./yamlFile.js"

/** A value set by a command-line flag, with the flag's name for error messages. */
export interface FlagOverride {
  readonly flag: string
  readonly path: ReadonlyArray<string>
  readonly value: unknown
}

export interface LoadOptions {
  /** The config file; when absent, `AGENTIC_SYNTH_CONFIG`, else built-in defaults alone. */
  readonly file?: string | undefined
  readonly flags?: ReadonlyArray<FlagOverride> | undefined
}

interface Sourced {
  readonly label: string
  readonly path: ReadonlyArray<string>
  readonly value: unknown
}

/**
 * Resolves the configuration: built-in defaults, then the file, then the environment, then flags. The
 * result is decoded once, so every refusal names its path and where the bad value came from.
 */
export const loadConfig = Effect.fn("Config.load")(function*(options: LoadOptions = {}) {
  const file = options.file ?? Option.getOrUndefined(yield* readEnv(CONFIG_FILE_ENV))
  const yaml = file === undefined ? undefined : yield* readConfigFile(file)
  const env: Array<Sourced> = []
  for (const { name, path } of ENV_OVERRIDES) {
    const value = yield* readEnv(name)
    if (Option.isSome(value)) env.push({ label: name, path, value: value.value })
  }
  const flags: ReadonlyArray<Sourced> = (options.flags ?? []).map(({ flag, path, value }) => ({ label: flag, path, value }))
  // The file must hold on its own: a wrong value in it is refused even when a flag or variable
  // overrides it this time (the next run without the flag would meet it).
  if (yaml !== undefined && env.length + flags.length > 0) {
    const alone = Schema.decodeUnknownEither(AppConfigSchema)(deepMerge(DEFAULT_CONFIG, yaml.value ?? {}), { errors: "all", onExcessProperty: "error" })
    if (Either.isLeft(alone)) return yield* toConfigError(alone.left, { yaml, env: [], flags: [] })
  }
  const merged = [...env, ...flags].reduce<unknown>(
    (tree, { path, value }) => deepMerge(tree, setIn(path, value)),
    deepMerge(DEFAULT_CONFIG, yaml?.value ?? {})
  )
  const decoded = Schema.decodeUnknownEither(AppConfigSchema)(merged, { errors: "all", onExcessProperty: "error" })
  if (Either.isLeft(decoded)) return yield* toConfigError(decoded.left, { yaml, env, flags })
  return decoded.right
})

const readConfigFile = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) =>
        error._tag === "SystemError" && error.reason === "NotFound"
          ? new ConfigError({
            reason: "FileNotFound",
            file,
            message: `config file ${file} not found; check the --config path (or ${CONFIG_FILE_ENV})`
          })
          : new ConfigError({
            reason: "Unreadable",
            file,
            message: `cannot read config file ${file} (${error.message}); check that it is a readable file`
          })
      )
    )
    const parsed = parseYaml(file, text)
    if (Either.isLeft(parsed)) {
      return yield* new ConfigError({ reason: "InvalidYaml", file, message: syntaxMessage(file, parsed.left) })
    }
    const value = parsed.right.value
    if (value !== null && value !== undefined && !isRecord(value)) {
      return yield* new ConfigError({
        reason: "InvalidValue",
        file,
        message: `${file}: expected a mapping of settings at the top level (such as "generation:"), got ${typeof value}`
      })
    }
    return { ...parsed.right, value: value ?? {} } satisfies YamlFile
  })

interface Sources {
  readonly yaml: YamlFile | undefined
  readonly env: ReadonlyArray<Sourced>
  readonly flags: ReadonlyArray<Sourced>
}

/** One line for the first problem (the rest are counted), naming where the value came from. */
const toConfigError = (error: ParseResult.ParseError, sources: Sources): ConfigError => {
  const { issue, more, text } = firstIssue(error)
  const file = sources.yaml?.file
  const path = issue.path.join(".")
  if (issue._tag === "Unexpected") {
    // Only the file can hold unknown keys: variables and flags set known paths.
    const where = sources.yaml === undefined ? "" : `${locate(sources.yaml, issue.path, true)}: `
    return new ConfigError({
      reason: "UnknownKey",
      ...(file === undefined ? {} : { file }),
      path,
      message: `${where}${text}${more}`
    })
  }
  // The most specific source wins, as in the merge: a flag, then a variable, then the file.
  const setBy = (list: ReadonlyArray<Sourced>) =>
    [...list].reverse().find((s) => s.path.every((key, i) => issue.path[i] === key))
  const source = setBy(sources.flags) ?? setBy(sources.env)
  const message = source !== undefined
    ? `${source.label}: ${issue.message}`
    : sources.yaml !== undefined
    ? `${locate(sources.yaml, issue.path)}: ${text}`
    : text
  return new ConfigError({
    reason: "InvalidValue",
    ...(source === undefined && file !== undefined ? { file } : {}),
    path,
    message: `${message}${more}`
  })
}

export type { AppConfigData }
