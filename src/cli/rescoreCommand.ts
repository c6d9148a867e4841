import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { Scorer } from "../quality/Scorer.js"
import { rescoreRun } from "../sink/rescore.js"
import * as Flags from "./options.js"

const dir = Args.text({ name: "DIR" }).pipe(Args.withDescription("the run directory to rescore"))
const minQuality = Options.text("min-quality").pipe(
  Options.withPseudoName("X"),
  Options.withDescription("the minimum quality score to apply (default: quality.min_score)"),
  Options.optional
)

/** `agentic-synth rescore DIR`: recompute scores, patterns, complexity, filter and dedup, calling no model. */
export const rescoreCommand = Command.make("rescore", { dir, config: Flags.config, minQuality }, ({ dir }) =>
  Effect.gen(function*() {
    const result = yield* rescoreRun(dir).pipe(Effect.provide(Scorer.layer))
    const reasons = Object.entries(result.reasons).map(([r, n]) => `${r} ${n}`).join(", ")
    yield* Console.log(
      [
        `rescored ${dir} with the current quality settings (no model called)`,
        `accepted: ${result.before.accepted} → ${result.accepted}; rejected: ${result.before.rejected} → ${result.rejected}${reasons === "" ? "" : ` (${reasons})`}`,
        `mean quality of the accepted: ${result.accepted === 0 ? "–" : result.meanQuality.toFixed(3)}`
      ].join("\n")
    )
  })).pipe(
    Command.withDescription("Recompute quality scores, patterns, complexity, the threshold and dedup of a run directory; calls no model"),
    Command.provide(({ config, minQuality }) =>
      Flags.catalogLayer(config, Option.toArray(minQuality).map((value) => ({ flag: "--min-quality", path: ["quality", "min_score"], value: Flags.numberOrText(value) })))
    )
  )
