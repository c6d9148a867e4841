import { Options } from "@effect/cli"
import { Effect, Either, Layer, Option } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { AppConfig } from "../config/AppConfig.js"
import type { FlagOverride } from "../config/loadConfig.js"
import { parseShard, type Shard } from "../domain/Shard.js"
import { UsageError } from "./UsageError.js"

export const config = Options.text("config").pipe(
  Options.withAlias("c"),
  Options.withPseudoName("FILE"),
  Options.withDescription("YAML config file (default: $AGENTIC_SYNTH_CONFIG, else built-in defaults)"),
  Options.optional
)

export const json = Options.boolean("json").pipe(Options.withDescription("print JSON instead of a table"))

/** The flags that shape a job's work items; `generate` takes them too. */
export const plan = {
  config,
  maxItems: Options.text("max-items").pipe(
    Options.withAlias("n"),
    Options.withPseudoName("N"),
    Options.withDescription("work items of the whole job, before sharding (default: generation.max_items)"),
    Options.optional
  ),
  types: Options.text("types").pipe(
    Options.withAlias("t"),
    Options.withPseudoName("a,b"),
    Options.withDescription("comma-separated scenario types (default: every type)"),
    Options.optional
  ),
  seed: Options.text("seed").pipe(
    Options.withPseudoName("N"),
    Options.withDescription("base seed (default: generation.seed)"),
    Options.optional
  ),
  shard: Options.text("shard").pipe(
    Options.withPseudoName("i/n"),
    Options.withDescription("i/n: keep shard i of n of the job, so n machines split it with no overlap"),
    Options.optional
  )
}

export interface PlanFlags {
  readonly maxItems: Option.Option<string>
  readonly types: Option.Option<string>
  readonly seed: Option.Option<string>
}

/**
 * Numeric flags are read as text and decoded with the config, so `--max-items abc` gets the same
 * one-line refusal (`--max-items: expected a positive integer, got "abc"`) as a bad file value.
 */
export const numberOrText = (text: string): number | string => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text)

/** `a, b,c` as `[a, b, c]`: the comma-separated lists flags take. */
export const splitList = (text: string): ReadonlyArray<string> =>
  text.split(",").map((part) => part.trim()).filter((part) => part !== "")

/** The flags as config overrides: flags beat the environment and the file. */
export const planOverrides = (flags: PlanFlags): ReadonlyArray<FlagOverride> => [
  ...Option.toArray(flags.maxItems).map((value) => ({ flag: "--max-items", path: ["generation", "max_items"], value: numberOrText(value) })),
  ...Option.toArray(flags.types).map((value) => ({ flag: "--types", path: ["generation", "types"], value: splitList(value) })),
  ...Option.toArray(flags.seed).map((value) => ({ flag: "--seed", path: ["generation", "seed"], value: numberOrText(value) }))
]

export const shardFlag = (text: Option.Option<string>): Effect.Effect<Shard | undefined, UsageError> =>
  Option.match(text, {
    onNone: () => Effect.succeed(undefined),
    onSome: (value) =>
      Either.match(parseShard(value), {
        onLeft: (problem) => Effect.fail(new UsageError({ message: `--shard: ${problem}` })),
        onRight: Effect.succeed
      })
  })

/** Config and catalogue for a command, from its `--config` file and flag overrides. */
export const catalogLayer = (file: Option.Option<string>, flags: ReadonlyArray<FlagOverride> = []) =>
  Catalog.layer.pipe(Layer.provideMerge(AppConfig.layer({ file: Option.getOrUndefined(file), flags })))
