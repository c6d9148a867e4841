import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { type ExportFormat, EXPORT_FORMATS, datasetInfoEntry } from "../export/formats.js"
import { exportRuns } from "../export/exportRuns.js"
import { numberOrText } from "./options.js"
import { UsageError } from "./UsageError.js"

const dirs = Args.text({ name: "DIR" }).pipe(Args.withDescription("run directories (several merge, deduplicated by id)"), Args.atLeast(1))
const format = Options.choice("format", EXPORT_FORMATS).pipe(
  Options.withAlias("f"),
  Options.withDescription("openai (OpenAI fine-tuning), sharegpt (LLaMA-Factory), hf (Hugging Face / TRL / Axolotl messages)")
)
const out = Options.text("out").pipe(Options.withAlias("o"), Options.withPseudoName("FILE"), Options.withDescription("the JSONL file to write"))
const minQuality = Options.text("min-quality").pipe(Options.withPseudoName("X"), Options.withDescription("leave out records scoring below X"), Options.optional)
const types = Options.text("types").pipe(Options.withPseudoName("a,b"), Options.withDescription("only these scenario types"), Options.optional)
const keepParallel = Options.boolean("keep-parallel").pipe(
  Options.withDescription("hf: keep several calls in one assistant turn (Qwen, Hermes) instead of one call per turn (renders on Llama 3.x too)")
)

const toolsJson = Options.boolean("tools-json").pipe(
  Options.withDescription("hf: write tools as one JSON string (TRL's preferred form; loads as a plain string column)")
)

const argumentsJson = Options.boolean("arguments-json").pipe(
  Options.withDescription("hf: write each call's arguments as a JSON string (DeepSeek, functionary templates; Llama and Mistral would double-encode it)")
)

/** `agentic-synth export`: run directories → one JSONL file in a trainer's format. */
export const exportCommand = Command.make("export", { dirs, format, out, minQuality, types, keepParallel, toolsJson, argumentsJson }, (f) =>
  Effect.gen(function*() {
    for (const [flag, set] of [["--keep-parallel", f.keepParallel], ["--tools-json", f.toolsJson], ["--arguments-json", f.argumentsJson]] as const) {
      if (set && f.format !== "hf") {
        return yield* new UsageError({ message: `${flag} applies to --format hf only; drop it or export with --format hf` })
      }
    }
    const min = Option.map(f.minQuality, numberOrText)
    if (Option.isSome(min) && (typeof min.value !== "number" || min.value < 0 || min.value > 1)) {
      return yield* new UsageError({ message: `--min-quality: expected a number from 0 to 1, got ${JSON.stringify(min.value)}` })
    }
    const summary = yield* exportRuns({
      dirs: f.dirs,
      format: f.format as ExportFormat,
      out: f.out,
      minQuality: Option.getOrUndefined(min) as number | undefined,
      types: Option.getOrUndefined(Option.map(f.types, (t) => t.split(",").map((x) => x.trim()).filter((x) => x !== ""))),
      keepParallel: f.keepParallel,
      toolsJson: f.toolsJson,
      argumentsJson: f.argumentsJson
    })
    const lines = [`wrote ${summary.written} ${f.format} records to ${f.out}`]
    const skipped = Object.entries(summary.skipped)
    lines.push(skipped.length === 0 ? "skipped: none" : `skipped: ${skipped.map(([r, n]) => `${n} ${r}`).join("; ")}`)
    for (const [note, n] of Object.entries(summary.notes)) lines.push(`note: ${note} in ${n} record${n === 1 ? "" : "s"}`)
    if (summary.absentTypes.length > 0) lines.push(`note: no record of type ${summary.absentTypes.join(", ")} in these runs`)
    const conflicts = summary.kindConflicts
    if (conflicts.length > 0) {
      const shown = conflicts.slice(0, 3).map((c) => `${c.path} is ${c.kinds.join(" or ")}`).join("; ")
      // Conflicts inside the tool schemas alone go away with tools as one string.
      const remedy = conflicts.every((c) => c.path.startsWith("tools[]"))
        ? `export again with --tools-json (TRL), or load with the datasets library's Json() feature type (datasets 4.8 or later), as README's "hf" section says`
        : `load with the datasets library's Json() feature type (datasets 4.8 or later), or see --tools-json and --arguments-json in README's "hf" section`
      lines.push(
        `note: ${conflicts.length === 1 ? "1 field changes" : `${conflicts.length} fields change`} JSON type between records (${shown}${conflicts.length > 3 ? "; ..." : ""}): ${remedy}`
      )
    }
    if (f.format === "sharegpt") {
      const name = f.out.replace(/^.*\//, "").replace(/\.jsonl?$/, "")
      lines.push(`LLaMA-Factory dataset_info.json entry:\n${JSON.stringify(datasetInfoEntry(name, f.out.replace(/^.*\//, "")), null, 2)}`)
    }
    yield* Console.log(lines.join("\n"))
  })).pipe(Command.withDescription("Export run directories to a trainer's format: openai, sharegpt (LLaMA-Factory) or hf (TRL, Axolotl)"))
