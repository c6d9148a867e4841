import { Command, Options } from "@effect/cli"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Path from "@effect/platform/Path"
import { Console, Data, Effect, Layer, Option } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { selectTypes } from "../catalog/workItems.js"
import { AppConfig } from "../config/AppConfig.js"
import type { FlagOverride } from "../config/loadConfig.js"
import { ChatClient } from "../provider/ChatClient.js"
import { QuotaStore } from "../provider/QuotaStore.js"
import { Scorer } from "../quality/Scorer.js"
import { runGeneration } from "../sink/runGeneration.js"
import { dryRunText } from "./dryRun.js"
import * as Flags from "./options.js"
import { endProgress, progressReporter } from "./progress.js"
import { outcomeText, summaryText } from "./summary.js"
import type { Outcome } from "../domain/Outcome.js"
import { UsageError } from "./UsageError.js"

/** Some items failed for good (after retries): exit 1, with where to look. */
export class GenerationIncomplete extends Data.TaggedError("GenerationIncomplete")<{ readonly message: string }> {}

const text = (name: string, pseudo: string, description: string) =>
  Options.text(name).pipe(Options.withPseudoName(pseudo), Options.withDescription(description), Options.optional)

const flags = {
  ...Flags.plan,
  provider: text("provider", "NAME", "auto (pool every configured provider), groq, together, huggingface, ollama or openai"),
  model: text("model", "ID", "the model of the provider named by --provider"),
  baseUrl: text("base-url", "URL", "the base URL of the provider named by --provider"),
  concurrency: text("concurrency", "N", "conversations in flight at once (default: generation.concurrency)"),
  output: Options.text("output").pipe(
    Options.withAlias("o"),
    Options.withPseudoName("DIR"),
    Options.withDescription("the run directory (default: output.dir); running again resumes it"),
    Options.optional
  ),
  minQuality: text("min-quality", "X", "reject conversations scoring below X (0-1, default: quality.min_score)"),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("print the plan and estimates, call nothing")),
  force: Options.boolean("force").pipe(Options.withDescription("set aside a run directory's data made with another configuration")),
  quiet: Options.boolean("quiet").pipe(Options.withAlias("q"), Options.withDescription("no progress lines, only the summary")),
  verbose: Options.boolean("verbose").pipe(Options.withAlias("v"), Options.withDescription("log every item as it ends"))
}

type GenerateFlags = {
  readonly [K in keyof typeof flags]: (typeof flags)[K] extends Options.Options<infer A> ? A : never
}

/** The flags as config overrides (flags beat the environment and the file). */
const overrides = (f: GenerateFlags): Effect.Effect<ReadonlyArray<FlagOverride>, UsageError> =>
  Effect.gen(function*() {
    const list: Array<FlagOverride> = [...Flags.planOverrides(f)]
    const set = (value: Option.Option<unknown>, flag: string, path: ReadonlyArray<string>) => {
      if (Option.isSome(value)) list.push({ flag, path, value: value.value })
    }
    set(f.provider, "--provider", ["provider"])
    set(Option.map(f.concurrency, Flags.numberOrText), "--concurrency", ["generation", "concurrency"])
    set(f.output, "--output", ["output", "dir"])
    set(Option.map(f.minQuality, Flags.numberOrText), "--min-quality", ["quality", "min_score"])
    if (Option.isSome(f.model) || Option.isSome(f.baseUrl)) {
      const provider = Option.getOrUndefined(f.provider)
      if (provider === undefined || provider === "auto") {
        return yield* new UsageError({ message: `--model and --base-url set one provider's: add --provider NAME (groq, together, huggingface, ollama, openai)` })
      }
      set(f.model, "--model", ["providers", provider, "model"])
      set(f.baseUrl, "--base-url", ["providers", provider, "base_url"])
    }
    return list
  })

const run = (f: GenerateFlags) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const catalog = yield* Catalog
    const shard = yield* Flags.shardFlag(f.shard)
    const types = yield* selectTypes(catalog, config.generation.types, Option.isSome(f.types) ? "--types" : "generation.types")
    const plan = {
      maxItems: config.generation.max_items,
      types: config.generation.types.length === 0 ? [] : types,
      samplesPerVariation: config.generation.samples_per_variation,
      seed: config.generation.seed,
      shard
    }
    if (f.dryRun) return yield* Effect.flatMap(dryRunText(plan), Console.log)

    const path = yield* Path.Path
    const tty = process.stderr.isTTY === true
    const providers = ChatClient.layerWithoutHttp.pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(QuotaStore.layerFile(path.join(config.output.dir, "providers.json")))
    )
    const result = yield* runGeneration({
      dir: config.output.dir,
      plan,
      force: f.force,
      progressEvery: tty ? "1 second" : "5 seconds",
      ...(f.quiet ? {} : { onProgress: progressReporter(tty) }),
      ...(f.verbose ? { onOutcome: (outcome: Outcome) => Console.error(outcomeText(outcome)) } : {})
    }).pipe(
      Effect.provide(Layer.merge(providers, Scorer.layer)),
      Effect.onInterrupt(() =>
        Effect.zipRight(endProgress(tty), Console.error(`interrupted: the manifest is written; run the same command to resume`))
      )
    )
    if (!f.quiet) yield* endProgress(tty)
    yield* Console.log(summaryText(result))
    if (result.failed > 0) {
      return yield* new GenerationIncomplete({
        message: `${result.failed} item${result.failed === 1 ? "" : "s"} failed (${Object.entries(result.failures).map(([r, n]) => `${r} ${n}`).join(", ")}); ` +
          `see ${result.files.failures} and run the same command again to retry them`
      })
    }
  }).pipe(Effect.withLogSpan("generate"))

/** `agentic-synth generate`: the main job. */
export const generateCommand = Command.make("generate", flags, (f) =>
  Effect.flatMap(overrides(f), (list) => Effect.provide(run(f), Flags.catalogLayer(f.config, list)))).pipe(
    Command.withDescription(
      "Generate agentic conversations into a run directory (dataset.jsonl, rejected.jsonl, failures.jsonl, run.json, log.jsonl); running again resumes"
    )
  )
