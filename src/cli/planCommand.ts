import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { selectTypes, workItems } from "../catalog/workItems.js"
import { AppConfig } from "../config/AppConfig.js"
import * as Flags from "./options.js"
import { renderTable } from "../report/table.js"

const list = Options.boolean("list").pipe(Options.withDescription("list every work item with its seed"))

/** `agentic-synth plan`: the work items a job (or one shard of it) would generate, calling nothing. */
export const planCommand = Command.make(
  "plan",
  { ...Flags.plan, list, json: Flags.json },
  (flags) =>
    Effect.gen(function*() {
      const config = yield* AppConfig
      const catalog = yield* Catalog
      const shard = yield* Flags.shardFlag(flags.shard)
      const source = Option.isSome(flags.types) ? "--types" : "generation.types"
      const types = yield* selectTypes(catalog, config.generation.types, source)
      const options = {
        maxItems: config.generation.max_items,
        types,
        samplesPerVariation: config.generation.samples_per_variation,
        seed: config.generation.seed,
        shard
      }
      if (flags.json) {
        for (const item of workItems(catalog, options)) {
          yield* Console.log(JSON.stringify({
            id: item.id,
            type: item.scenario.type,
            scenario: item.scenario.id,
            variation: item.variation,
            sample: item.sample,
            seed: item.seed
          }))
        }
        return
      }
      const perType = new Map<string, { items: number; scenarios: Set<string>; variations: [number, number, number] }>()
      const rows: Array<ReadonlyArray<string>> = []
      for (const item of workItems(catalog, options)) {
        const entry = perType.get(item.scenario.type) ?? { items: 0, scenarios: new Set(), variations: [0, 0, 0] }
        entry.items++
        entry.scenarios.add(item.scenario.id)
        entry.variations[item.variation - 1]!++
        perType.set(item.scenario.type, entry)
        if (flags.list) rows.push([item.id, String(item.seed)])
      }
      if (flags.list) yield* Console.log(renderTable(["id", "seed"], rows, { maxWidth: 80, alignRight: [1] }) + "\n")
      const total = [...perType.values()].reduce((sum, entry) => sum + entry.items, 0)
      yield* Console.log(renderTable(
        ["type", "items", "scenarios", "v1", "v2", "v3"],
        [...perType.entries()].map(([type, e]) => [type, String(e.items), String(e.scenarios.size), ...e.variations.map(String)]),
        { alignRight: [1, 2, 3, 4, 5] }
      ))
      const of = shard === undefined ? "" : ` (shard ${shard.index}/${shard.count} of a ${config.generation.max_items}-item job)`
      yield* Console.log(`\n${total} work items${of}, seed ${config.generation.seed}.`)
    })
).pipe(
  Command.withDescription("Show the work items a job would generate (per type, or --list / --json), calling no provider"),
  Command.provide((flags) => Flags.catalogLayer(flags.config, Flags.planOverrides(flags)))
)
