import { Context, Layer } from "effect"
import type { AppConfigData } from "./ConfigSchema.js"
import { DEFAULT_CONFIG } from "./defaults.js"
import { type LoadOptions, loadConfig } from "./loadConfig.js"
import { deepMerge } from "./merge.js"

type DeepPartial<T> = T extends ReadonlyArray<unknown> ? T : T extends object ? { readonly [K in keyof T]?: DeepPartial<T[K]> } : T

/** The resolved configuration of a run: defaults < file < environment < flags. */
export class AppConfig extends Context.Tag("agentic-synth/AppConfig")<AppConfig, AppConfigData>() {
  /** Reads the file named by `options.file` (or `AGENTIC_SYNTH_CONFIG`), the environment and the flags. */
  static readonly layer = (options: LoadOptions = {}) => Layer.effect(AppConfig, loadConfig(options))

  /** The built-in defaults with `overrides` on top, reading nothing: for tests and embedding. */
  static readonly layerTest = (overrides: DeepPartial<AppConfigData> = {}) =>
    Layer.succeed(AppConfig, deepMerge(DEFAULT_CONFIG, overrides) as AppConfigData)
}
