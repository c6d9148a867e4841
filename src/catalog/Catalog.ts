import { Context, Effect, Layer } from "effect"
import type { ValidateFunction } from "ajv"
import { AppConfig } from "../config/AppConfig.js"
import type { Scenario } from "../domain/Scenario.js"
import type { ToolDefinition } from "../domain/Tool.js"
import { BUILTIN_CATALOG_DIR, loadCatalog } from "./loadCatalog.js"

/** The loaded, checked scenario and tool catalogue. */
export interface CatalogData {
  /** Scenario types in catalogue order: the built-in eight first, then others by name. */
  readonly types: ReadonlyArray<string>
  readonly descriptions: ReadonlyMap<string, string>
  readonly scenarios: ReadonlyArray<Scenario>
  readonly tools: ReadonlyMap<string, ToolDefinition>
  /** The compiled JSON Schema of each tool's arguments. */
  readonly validators: ReadonlyMap<string, ValidateFunction>
  /** The files it was read from. */
  readonly files: ReadonlyArray<string>
}

export const scenariosOf = (catalog: CatalogData, type: string): ReadonlyArray<Scenario> =>
  catalog.scenarios.filter((scenario) => scenario.type === type)

export const variationCount = (catalog: CatalogData): number => catalog.scenarios.length * 3

/** The directories a config reads the catalogue from. */
export const catalogDirs = (config: AppConfig["Type"]): ReadonlyArray<string> => [
  ...(config.catalog.builtin ? [BUILTIN_CATALOG_DIR] : []),
  ...config.catalog.dirs
]

export class Catalog extends Context.Tag("agentic-synth/Catalog")<Catalog, CatalogData>() {
  /** Reads the directories the config names (built-in first). */
  static readonly layer = Layer.effect(
    Catalog,
    Effect.flatMap(AppConfig, (config) => loadCatalog(catalogDirs(config)))
  )
}
