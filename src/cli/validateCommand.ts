import { Command, Options } from "@effect/cli"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Console, Data, Effect, Either, Option } from "effect"
import { catalogDirs, variationCount } from "../catalog/Catalog.js"
import { loadCatalog } from "../catalog/loadCatalog.js"
import { selectTypes } from "../catalog/workItems.js"
import type { AppConfigData } from "../config/ConfigSchema.js"
import { DEFAULT_CONFIG } from "../config/defaults.js"
import { CONFIG_FILE_ENV, readEnv } from "../config/envOverrides.js"
import { loadConfig } from "../config/loadConfig.js"
import { availabilities } from "../provider/availability.js"
import { checkProvider } from "../provider/healthCheck.js"
import { selectEndpoints } from "../provider/selectEndpoints.js"
import { PROFILES } from "../provider/profiles.js"
import { probeWritable } from "../sink/outputDir.js"
import * as Flags from "./options.js"
import { renderTable } from "../report/table.js"

/** `validate` found at least one failing check: exit 1. */
export class ChecksFailed extends Data.TaggedError("ChecksFailed")<{ readonly message: string }> {}

type Status = "ok" | "info" | "fail"
interface Check {
  readonly status: Status
  readonly name: string
  readonly result: string
  readonly fix: string
}

const MARK: Record<Status, string> = { ok: "✔", info: "–", fail: "✘" }

const online = Options.boolean("online").pipe(
  Options.withDescription("also call each selected provider: key accepted, model exists, a one-token completion, its rate-limit headers")
)

/** `agentic-synth validate`: config, catalogue, output directory and provider keys, each with a fix. */
export const validateCommand = Command.make("validate", { config: Flags.config, online }, ({ config: file, online }) =>
  Effect.gen(function*() {
    const checks: Array<Check> = []
    const named = Option.getOrUndefined(file) ?? Option.getOrUndefined(yield* readEnv(CONFIG_FILE_ENV))

    const loaded = yield* Effect.either(loadConfig({ file: named }))
    let config: AppConfigData = DEFAULT_CONFIG
    if (Either.isRight(loaded)) {
      config = loaded.right
      checks.push({ status: "ok", name: "config", result: named ?? "built-in defaults (no --config)", fix: "" })
    } else {
      checks.push({
        status: "fail",
        name: "config",
        result: loaded.left.message,
        fix: loaded.left.reason === "FileNotFound" ? "check the --config path (or AGENTIC_SYNTH_CONFIG)" : "edit the config as the message says"
      })
    }

    if (Either.isRight(loaded)) {
      // The catalogue, and the types the config asks for in it (as generate would check them).
      const catalog = yield* Effect.either(
        Effect.tap(loadCatalog(catalogDirs(config)), (c) => selectTypes(c, config.generation.types, "generation.types"))
      )
      checks.push(
        Either.match(catalog, {
          onLeft: (error) => ({
            status: "fail" as const,
            name: "catalogue",
            result: error.message,
            fix: error.reason === "UnknownType" ? "correct generation.types in the config" : "fix the catalogue file named"
          }),
          onRight: (c) => ({
            status: "ok" as const,
            name: "catalogue",
            result: `${c.types.length} types, ${c.scenarios.length} scenarios, ${variationCount(c)} variations, ${c.tools.size} tools`,
            fix: ""
          })
        })
      )
    } else {
      checks.push({ status: "info", name: "catalogue", result: "not checked: the config is invalid", fix: "" })
    }

    const output = yield* Effect.either(probeWritable(config.output.dir))
    checks.push(
      Either.match(output, {
        onLeft: (problem) => ({ status: "fail" as const, name: "output", result: problem, fix: "choose another output.dir (--output) or fix its permissions" }),
        onRight: (state) => ({ status: "ok" as const, name: "output", result: `${config.output.dir} (${state})`, fix: "" })
      })
    )

    const providers = yield* availabilities(config)
    for (const p of providers) {
      const settings = config.providers[p.name]
      checks.push(
        p.available
          ? {
            status: "ok",
            name: p.name,
            result: `${settings.model} at ${settings.base_url}${p.keyVar === undefined ? "" : `, key in ${p.keyVar}`}`,
            fix: ""
          }
          : { status: "info", name: p.name, result: "not configured (optional)", fix: p.fix }
      )
    }
    const usable = providers.filter((p) => p.available && (config.provider === "auto" || config.provider === p.name))
    const chosen = config.provider === "auto" ? undefined : providers.find((p) => p.name === config.provider)
    checks.push(
      usable.length > 0
        ? { status: "ok", name: "provider", result: `${config.provider} → ${usable.map((p) => p.name).join(", ")}`, fix: "" }
        : {
          status: "fail",
          name: "provider",
          result: chosen === undefined ? "no provider available" : `${chosen.name} is not configured`,
          fix: chosen === undefined
            ? `set a key such as GROQ_API_KEY (${PROFILES.groq.signup}), or OLLAMA_BASE_URL / OPENAI_BASE_URL for a local server`
            : chosen.fix
        }
    )

    if (online && usable.length > 0) {
      const endpoints = yield* Effect.either(selectEndpoints(config))
      if (Either.isRight(endpoints)) {
        const reports = yield* Effect.forEach(endpoints.right, checkProvider, { concurrency: "unbounded" }).pipe(
          Effect.provide(FetchHttpClient.layer)
        )
        for (const report of reports) {
          checks.push({
            status: report.ok ? "ok" : "fail",
            name: `${report.provider} online`,
            result: report.ok ? report.detail : `${report.fatal ? "fatal: " : ""}${report.detail}`,
            fix: report.fix
          })
        }
      }
    }

    yield* Console.log(
      renderTable(["", "check", "result", "fix"], checks.map((c) => [MARK[c.status], c.name, c.result, c.fix]), { maxWidth: 200 })
    )
    const failed = checks.filter((c) => c.status === "fail").length
    const passed = checks.filter((c) => c.status === "ok").length
    yield* Console.log(`\n${passed} checks passed, ${failed} failed`)
    if (failed > 0) return yield* new ChecksFailed({ message: `${failed} check${failed === 1 ? "" : "s"} failed; see the fix column above` })
  })).pipe(
    Command.withDescription(
      "Check the config, the scenario catalogue, the output directory and which provider keys are set (--online: call them too)"
    )
  )
