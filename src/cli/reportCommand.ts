import { Args, Command, Options } from "@effect/cli"
import * as FileSystem from "@effect/platform/FileSystem"
import { Console, Effect, Option } from "effect"
import { collectReport, ReportError } from "../report/collect.js"
import { reportHtml } from "../report/html.js"
import { reportText } from "../report/text.js"

const dir = Args.text({ name: "DIR" }).pipe(Args.withDescription("the run directory"))
const html = Options.text("html").pipe(Options.withPseudoName("FILE"), Options.withDescription("also write a self-contained HTML report"), Options.optional)
const json = Options.boolean("json").pipe(Options.withDescription("print the figures as JSON instead of tables"))

/** `agentic-synth report DIR`: what a run produced, before anyone spends GPU hours on it. */
export const reportCommand = Command.make("report", { dir, html, json }, (f) =>
  Effect.gen(function*() {
    const data = yield* collectReport(f.dir)
    // The page first: a path that cannot be written is the one line, not a line after the whole report.
    if (Option.isSome(f.html)) {
      const fs = yield* FileSystem.FileSystem
      const target = f.html.value
      yield* fs.writeFileString(target, reportHtml(data)).pipe(
        Effect.mapError((e) =>
          new ReportError({
            message: `cannot write --html ${target} (${e._tag === "SystemError" ? e.reason : e._tag}: ${e._tag === "SystemError" && e.reason === "NotFound" ? "its directory does not exist" : e.message}); choose another --html path`
          }))
      )
    }
    if (f.json) {
      const { samples, ...figures } = data
      yield* Console.log(JSON.stringify({ ...figures, samples: { accepted: samples.accepted.map((c) => c.id), rejected: samples.rejected.map((r) => r.id) } }, null, 2))
    } else {
      yield* Console.log(reportText(data))
    }
    if (Option.isSome(f.html) && !f.json) yield* Console.log(`\nHTML report: ${f.html.value}`)
  })).pipe(Command.withDescription("Report on a run: funnel, types, quality, complexity, patterns, tools, rejections, providers, throughput; --html for a page with charts and sample conversations"))
