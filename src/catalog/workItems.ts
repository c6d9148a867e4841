import { Effect, Stream } from "effect"
import { closest } from "../config/merge.js"
import { CatalogError } from "../domain/CatalogError.js"
import type { Scenario } from "../domain/Scenario.js"
import type { Shard } from "../domain/Shard.js"
import { type WorkItem, workItemId } from "../domain/WorkItem.js"
import { type CatalogData, scenariosOf } from "./Catalog.js"

export interface PlanOptions {
  /** Work items of the whole job, before sharding. */
  readonly maxItems: number
  /** Selected types (empty: all), already checked with `selectTypes`. */
  readonly types: ReadonlyArray<string>
  /** Samples of each variation at most; `null`: as many as `maxItems` needs. */
  readonly samplesPerVariation: number | null
  readonly seed: number
  readonly shard?: Shard | undefined
}

/** Checks a type selection against the catalogue; `source` says where it came from (`--types`). */
export const selectTypes = (
  catalog: CatalogData,
  types: ReadonlyArray<string>,
  source: string
): Effect.Effect<ReadonlyArray<string>, CatalogError> => {
  const unknown = types.find((type) => !catalog.types.includes(type))
  if (unknown === undefined) return Effect.succeed(types.length === 0 ? catalog.types : [...new Set(types)])
  const guess = closest(unknown, catalog.types)
  return Effect.fail(
    new CatalogError({
      reason: "UnknownType",
      message: `unknown scenario type "${unknown}" in ${source}${guess === undefined ? "" : ` (did you mean ${guess}?)`}; ` +
        `choose from: ${catalog.types.join(", ")}`
    })
  )
}

/** FNV-1a: a stable 31-bit seed per item, so every item is reproducible on its own. */
const itemSeed = (seed: number, id: string): number => {
  let hash = 0x811c9dc5 ^ seed
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) & 0x7fffffff
}

/**
 * The j-th (scenario, variation) of a type with `n` scenarios: j walks the scenarios first and shifts the
 * variation each round, so a few items already touch many scenarios and all three variation kinds,
 * and every block of 3n covers each variation exactly once.
 */
const slot = (j: number, n: number) => {
  const round = Math.floor(j / n)
  const scenario = j % n
  return { scenario, variation: ((scenario + round) % 3) + 1 }
}

/** Where a walk of the plan stands: the item at `position` of the whole job is sample `j` of `lane`. */
interface Step {
  readonly lane: { readonly type: string; readonly scenarios: ReadonlyArray<Scenario>; readonly perSample: number }
  readonly j: number
}

/**
 * The plan's items in order, as steps (one object, updated in place, so that walking a plan to count
 * or skip it builds nothing): round-robin over the selected types (so 50 items cover all eight),
 * within a type every variation once before any gets a second sample. A shard keeps the items at
 * positions `index - 1` modulo `count` of the whole job, so shards partition it exactly.
 */
function* steps(catalog: CatalogData, options: PlanOptions): Generator<Step> {
  const types = options.types.length === 0 ? catalog.types : options.types
  const lanes = types.map((type) => {
    const scenarios: ReadonlyArray<Scenario> = scenariosOf(catalog, type)
    const perSample = scenarios.length * 3
    const limit = options.samplesPerVariation === null ? Infinity : perSample * options.samplesPerVariation
    return { type, scenarios, perSample, limit, next: 0 }
  }).filter((lane) => lane.scenarios.length > 0)
  const step: { lane: Step["lane"]; j: number } = { lane: lanes[0]!, j: 0 }
  let position = 0
  while (position < options.maxItems) {
    let progressed = false
    for (const lane of lanes) {
      if (position >= options.maxItems) return
      if (lane.next >= lane.limit) continue
      const j = lane.next++
      progressed = true
      const here = position++
      if (options.shard !== undefined && here % options.shard.count !== options.shard.index - 1) continue
      step.lane = lane
      step.j = j
      yield step
    }
    if (!progressed) return
  }
}

const idAt = ({ lane, j }: Step) => {
  const { scenario, variation } = slot(j % lane.perSample, lane.scenarios.length)
  return { scenario: lane.scenarios[scenario]!, variation, sample: Math.floor(j / lane.perSample) }
}

/**
 * The work items of a job, lazily and deterministically (see `steps` for the order), from its
 * `from`-th item on: the ones before are passed over without being built (a resumed run starts after
 * what it has done).
 */
export function* workItems(catalog: CatalogData, options: PlanOptions, from = 0): Generator<WorkItem> {
  let passed = 0
  for (const step of steps(catalog, options)) {
    if (passed < from) {
      passed++
      continue
    }
    const { scenario, variation, sample } = idAt(step)
    const id = workItemId(step.lane.type, scenario.id, variation, sample)
    yield { id, scenario, variation, sample, seed: itemSeed(options.seed, id) }
  }
}

/** The ids of a job's items, in order: what a resumed run checks against what it has done. */
export function* workItemIds(catalog: CatalogData, options: PlanOptions): Generator<string> {
  for (const step of steps(catalog, options)) {
    const { scenario, variation, sample } = idAt(step)
    yield workItemId(step.lane.type, scenario.id, variation, sample)
  }
}

/** The same items as a `Stream` (from the `from`-th on), built afresh for each run of the stream. */
export const workItemStream = (catalog: CatalogData, options: PlanOptions, from = 0): Stream.Stream<WorkItem> =>
  Stream.suspend(() => Stream.fromIterable(workItems(catalog, options, from)))

/** How many items of each type a plan holds (walks the plan once; nothing is kept). */
export const countByType = (catalog: CatalogData, options: PlanOptions): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>()
  for (const item of workItems(catalog, options)) counts.set(item.scenario.type, (counts.get(item.scenario.type) ?? 0) + 1)
  return counts
}
