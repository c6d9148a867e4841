import { Schema } from "effect"
import { Scenario, type ScenarioRef, type Variation } from "./Scenario.js"

/** One conversation to generate: a scenario variation, its sample index and the seed that makes it reproducible. */
export const WorkItem = Schema.Struct({
  /** `<type>/<scenario id>/v<variation>/s<sample>`: the dataset record's id. */
  id: Schema.String,
  scenario: Scenario,
  variation: Schema.Int.pipe(Schema.between(1, 3)),
  sample: Schema.NonNegativeInt,
  seed: Schema.NonNegativeInt
}).annotations({ identifier: "WorkItem" })
export interface WorkItem extends Schema.Schema.Type<typeof WorkItem> {}

export const workItemId = (type: string, scenarioId: string, variation: number, sample: number): string =>
  `${type}/${scenarioId}/v${variation}/s${sample}`

export const variationOf = (item: WorkItem): Variation => item.scenario.variations[item.variation - 1]!

export const scenarioRef = (item: WorkItem): ScenarioRef => ({
  type: item.scenario.type,
  id: item.scenario.id,
  variation: item.variation,
  title: item.scenario.title
})
