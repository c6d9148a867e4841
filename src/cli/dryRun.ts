import { Effect, Either } from "effect"
import { Catalog } from "../catalog/Catalog.js"
import { type PlanOptions, workItems } from "../catalog/workItems.js"
import { AppConfig } from "../config/AppConfig.js"
import type { ProviderSettings } from "../config/ConfigSchema.js"
import { buildRequest } from "../generate/prompt.js"
import { estimatePromptTokens } from "../provider/ChatRequest.js"
import { selectEndpoints } from "../provider/selectEndpoints.js"
import { duration } from "./progress.js"
import { renderTable } from "../report/table.js"

/** A conversation's completion usually takes about half of max_tokens; the estimate says so. */
const COMPLETION_SHARE = 0.5
/** Expected samples per item: some outputs are unusable and drawn again. */
const SAMPLES_PER_ITEM = 1.2

/**
 * `generate --dry-run`: items per type, requests and tokens estimated, and the time to finish at the
 * selected providers' limits. Reads the plan and the prompts, calls nothing, writes nothing.
 */
export const dryRunText = (plan: PlanOptions) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const catalog = yield* Catalog
    const perType = new Map<string, number>()
    let items = 0
    let promptTokens = 0
    for (const item of workItems(catalog, plan)) {
      items++
      perType.set(item.scenario.type, (perType.get(item.scenario.type) ?? 0) + 1)
      const tools = item.scenario.tools.map((name) => catalog.tools.get(name)!)
      promptTokens += estimatePromptTokens(buildRequest(item, tools, { temperature: 0, maxTokens: 0, attempt: 0 }))
    }
    const requests = Math.ceil(items * SAMPLES_PER_ITEM)
    const completion = Math.round(config.generation.max_tokens * COMPLETION_SHARE)
    const tokens = Math.round((promptTokens / Math.max(1, items) + completion) * requests)
    const lines = [
      renderTable(["type", "items"], [...perType.entries()].map(([type, n]) => [type, String(n)]), { alignRight: [1] }),
      "",
      `${items} work items${plan.shard === undefined ? "" : ` (shard ${plan.shard.index}/${plan.shard.count})`}; ` +
        `about ${requests} requests and ${tokens.toLocaleString("en-US")} tokens ` +
        `(${Math.round(promptTokens / Math.max(1, items))} prompt + about ${completion} completion each, ${SAMPLES_PER_ITEM} samples per item)`
    ]
    const endpoints = yield* Effect.either(selectEndpoints(config))
    if (Either.isLeft(endpoints)) {
      lines.push(`time: unknown, ${endpoints.left.message}`)
    } else {
      const chosen = endpoints.right
      const sum = (pick: (s: ProviderSettings) => number | null) => {
        const values = chosen.map((e) => pick(e.settings))
        return values.some((v) => v === null) ? Infinity : values.reduce<number>((a, v) => a + (v ?? 0), 0)
      }
      const rpm = sum((s) => s.rpm)
      const tpm = sum((s) => s.tpm)
      const rpd = sum((s) => s.rpd)
      const tpd = sum((s) => s.tpd)
      const minutes = Math.max(requests / rpm, tokens / tpm)
      const days = Math.max(requests / rpd, tokens / tpd)
      const names = chosen.map((e) => `${e.name} (${e.settings.model})`).join(", ")
      lines.push(
        `providers: ${names}`,
        rpm === Infinity && tpm === Infinity
          ? "time: no rate limits configured; as fast as the server answers"
          : `time at the providers' limits: about ${duration(minutes * 60_000)} (${rpm === Infinity ? "no" : rpm} requests/min, ${tpm === Infinity ? "no" : tpm.toLocaleString("en-US")} tokens/min)`,
        ...(days > 1 ? [`daily caps bind: about ${Math.ceil(days)} days (${rpd === Infinity ? "no" : rpd} requests/day, ${tpd === Infinity ? "no" : tpd.toLocaleString("en-US")} tokens/day); a resumed run picks up where the quota stopped it`] : [])
      )
    }
    lines.push("dry run: nothing was called and nothing was written")
    return lines.join("\n")
  })
