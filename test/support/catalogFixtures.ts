import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { loadCatalog } from "../../src/catalog/loadCatalog.js"

export const BUILTIN_TOOLS_YAML = readFileSync("scenarios/tools.yaml", "utf8")

/** A valid scenario entry in catalogue YAML, indented under `scenarios:`. */
export const scenarioYaml = (id: string, tools = "[web_search, calculator]", troubleKind = "no_tool") => `
  - id: ${id}
    title: Scenario ${id}
    domain: testing
    goal: The user wants figures for ${id} from the 2024 report at reports/${id}.csv.
    tools: ${tools}
    variations:
      - kind: straightforward
        request: Find the 2024 total for ${id}.
        expect: One web_search call, then the answer quotes the figure.
      - kind: chained
        request: Compare ${id} 2023 and 2024.
        expect: web_search gives both figures; calculator takes them.
      - kind: trouble
        trouble: ${troubleKind}
        request: What does ${id} mean?
        expect: Answered directly without tools.
`

export const scenarioFile = (type: string, ...ids: ReadonlyArray<string>) =>
  `type: ${type}\nscenarios:${ids.map((id) => scenarioYaml(id)).join("")}`

export const loadFrom = (...dirs: ReadonlyArray<string>) => loadCatalog(dirs).pipe(Effect.provide(NodeContext.layer))
