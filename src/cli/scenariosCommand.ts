import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { selectTypes } from "../catalog/workItems.js"
import * as Flags from "./options.js"
import { renderTable } from "../report/table.js"

// `--types a,b` as everywhere else.
const typesFlag = Options.text("types").pipe(
  Options.withAlias("t"),
  Options.withPseudoName("a,b"),
  Options.withDescription("only these scenario types (comma-separated)"),
  Options.optional
)

/** `agentic-synth scenarios`: the catalogue as a table, or as JSON with every variation. */
export const scenariosCommand = Command.make(
  "scenarios",
  { config: Flags.config, types: typesFlag, json: Flags.json },
  ({ json, types: asked }) =>
    Effect.gen(function*() {
      const catalog = yield* Catalog
      const types = yield* selectTypes(catalog, Option.match(asked, { onNone: () => [], onSome: Flags.splitList }), "--types")
      const scenarios = catalog.scenarios.filter((scenario) => types.includes(scenario.type))
      if (json) {
        return yield* Console.log(JSON.stringify(scenarios, null, 2))
      }
      const rows = scenarios.map((s) => [
        s.type,
        s.id,
        s.title,
        s.tools.join(", "),
        s.variations[2].trouble ?? ""
      ])
      yield* Console.log(renderTable(["type", "id", "title", "tools", "v3 trouble"], rows, { maxWidth: 48 }))
      yield* Console.log(
        `\n${scenarios.length} scenarios × 3 variations = ${scenarios.length * 3} variations ` +
          `in ${types.length} type${types.length === 1 ? "" : "s"}; ${catalog.tools.size} tools. ` +
          `Details: agentic-synth scenarios --json`
      )
    })
).pipe(
  Command.withDescription("List the scenario catalogue: types, scenarios, their tools and variations"),
  Command.provide(({ config }) => Flags.catalogLayer(config))
)
