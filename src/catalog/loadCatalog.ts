import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Either, Schema } from "effect"
import type { ValidateFunction } from "ajv"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { firstIssue } from "../config/describeIssue.js"
import { closest } from "../config/merge.js"
import { locate, parseYaml, syntaxMessage, type YamlFile } from "../config/yamlFile.js"
import { CatalogError } from "../domain/CatalogError.js"
import { BUILTIN_SCENARIO_TYPES, type Scenario, VARIATION_KINDS } from "../domain/Scenario.js"
import type { ToolDefinition } from "../domain/Tool.js"
import type { CatalogData } from "./Catalog.js"
import { CatalogFile } from "./CatalogFile.js"
import { compileParameters, makeAjv } from "./toolSchemas.js"

/**
 * The catalogue shipped with agentic-synth: `scenarios/` in the package root, found from this module
 * whether it runs from `src/`, `dist/` or a build of the benchmarks one level deeper.
 */
export const BUILTIN_CATALOG_DIR = (() => {
  for (const up of ["../../scenarios", "../../../scenarios"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(join(dir, "tools.yaml"))) return dir
  }
  return fileURLToPath(new URL("../../scenarios", import.meta.url))
})()

interface Loaded {
  readonly yaml: YamlFile
  readonly data: CatalogFile
}

/** Reads every `*.yaml` / `*.yml` file of `dirs` (in name order) and checks the catalogue as a whole. */
export const loadCatalog = Effect.fn("Catalog.load")(function*(dirs: ReadonlyArray<string>) {
  const files: Array<string> = []
  for (const dir of dirs) files.push(...(yield* yamlFilesIn(dir)))
  const loaded: Array<Loaded> = []
  for (const file of files) loaded.push(yield* readCatalogFile(file))
  return yield* assemble(loaded)
})

const yamlFilesIn = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const names = yield* fs.readDirectory(dir).pipe(
      Effect.mapError((error) =>
        new CatalogError({
          reason: "Unreadable",
          file: dir,
          message: error._tag === "SystemError" && error.reason === "NotFound"
            ? `catalogue directory ${dir} not found; fix catalog.dirs in the config`
            : `cannot read catalogue directory ${dir} (${error.message})`
        })
      )
    )
    return names.filter((name) => /\.ya?ml$/i.test(name)).sort().map((name) => path.join(dir, name))
  })

const readCatalogFile = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((error) =>
        new CatalogError({ reason: "Unreadable", file, message: `cannot read catalogue file ${file} (${error.message})` })
      )
    )
    const parsed = parseYaml(file, text)
    if (Either.isLeft(parsed)) {
      return yield* new CatalogError({ reason: "InvalidYaml", file, message: syntaxMessage(file, parsed.left) })
    }
    const yaml = parsed.right
    const decoded = Schema.decodeUnknownEither(CatalogFile)(yaml.value ?? {}, { onExcessProperty: "error" })
    if (Either.isLeft(decoded)) {
      const { issue, text: problem } = firstIssue(decoded.left)
      return yield* new CatalogError({
        reason: "InvalidEntry",
        file,
        message: `${locate(yaml, issue.path, issue._tag === "Unexpected")}: ${problem}`
      })
    }
    return { yaml, data: decoded.right }
  })

const assemble = (loaded: ReadonlyArray<Loaded>): Effect.Effect<CatalogData, CatalogError> =>
  Effect.gen(function*() {
    const fail = (reason: CatalogError["reason"], file: string, message: string) =>
      Effect.fail(new CatalogError({ reason, file, message }))
    const ajv = makeAjv()
    const tools = new Map<string, ToolDefinition>()
    const validators = new Map<string, ValidateFunction>()
    const toolFile = new Map<string, string>()
    for (const { data, yaml } of loaded) {
      for (const [i, tool] of (data.tools ?? []).entries()) {
        const where = locate(yaml, ["tools", i])
        const earlier = toolFile.get(tool.name)
        if (earlier !== undefined) {
          return yield* fail("DuplicateId", yaml.file, `${where}: tool ${tool.name} is already defined in ${earlier}; rename one`)
        }
        const compiled = compileParameters(ajv, tool.parameters)
        if (!compiled.ok) {
          return yield* fail(
            "InvalidToolSchema",
            yaml.file,
            `${locate(yaml, ["tools", i, "parameters"])}: tool ${tool.name}: invalid parameters schema: ${compiled.error}`
          )
        }
        toolFile.set(tool.name, where)
        validators.set(tool.name, compiled.validate)
        tools.set(tool.name, {
          type: "function",
          function: { name: tool.name, description: tool.description, parameters: tool.parameters }
        })
      }
    }

    const scenarios: Array<Scenario> = []
    const scenarioFile = new Map<string, string>()
    const descriptions = new Map<string, string>()
    for (const { data, yaml } of loaded) {
      const entries = data.scenarios ?? []
      if (data.type === undefined) {
        if (entries.length > 0) {
          return yield* fail("InvalidEntry", yaml.file, `${yaml.file}: scenarios need the file's type: add "type: <scenario type>" at the top`)
        }
        continue
      }
      const type = data.type
      if (data.description !== undefined && !descriptions.has(type)) descriptions.set(type, data.description)
      for (const [i, entry] of entries.entries()) {
        const key = `${type}/${entry.id}`
        const where = locate(yaml, ["scenarios", i, "id"])
        const earlier = scenarioFile.get(key)
        if (earlier !== undefined) {
          return yield* fail("DuplicateId", yaml.file, `${where}: scenario ${key} is already defined at ${earlier}; give one of them another id`)
        }
        scenarioFile.set(key, where)
        for (const [t, name] of entry.tools.entries()) {
          if (!tools.has(name)) {
            const guess = closest(name, [...tools.keys()])
            return yield* fail(
              "UnknownTool",
              yaml.file,
              `${locate(yaml, ["scenarios", i, "tools", t])}: scenario ${key} names unknown tool ${name}` +
                `${guess === undefined ? "" : ` (did you mean ${guess}?)`}; known tools: ${[...tools.keys()].join(", ")}`
            )
          }
        }
        for (const [v, variation] of entry.variations.entries()) {
          const at = locate(yaml, ["scenarios", i, "variations", v])
          if (variation.kind !== VARIATION_KINDS[v]) {
            return yield* fail(
              "InvalidEntry",
              yaml.file,
              `${at}: scenario ${key} variation ${v + 1} must be kind ${VARIATION_KINDS[v]}, got ${variation.kind} (order: straightforward, chained, trouble)`
            )
          }
          if ((variation.kind === "trouble") !== (variation.trouble !== undefined)) {
            return yield* fail(
              "InvalidEntry",
              yaml.file,
              variation.kind === "trouble"
                ? `${at}: scenario ${key} variation 3 needs trouble: tool_error, clarification or no_tool`
                : `${at}: scenario ${key} variation ${v + 1}: only the trouble variation takes a trouble: key`
            )
          }
        }
        const [v1, v2, v3] = entry.variations
        scenarios.push({ type, ...entry, variations: [v1!, v2!, v3!] })
      }
    }
    if (scenarios.length === 0) {
      return yield* Effect.fail(
        new CatalogError({ reason: "Empty", message: "the catalogue has no scenarios; set catalog.builtin: true or add scenario files to catalog.dirs" })
      )
    }
    const builtin: ReadonlyArray<string> = BUILTIN_SCENARIO_TYPES
    const present = new Set(scenarios.map((s) => s.type))
    const types = [
      ...builtin.filter((type) => present.has(type)),
      ...[...present].filter((type) => !builtin.includes(type)).sort()
    ]
    // Scenarios grouped by type in catalogue order, each type's in file order.
    const ordered = types.flatMap((type) => scenarios.filter((s) => s.type === type))
    return { types, descriptions, scenarios: ordered, tools, validators, files: loaded.map((l) => l.yaml.file) }
  })
