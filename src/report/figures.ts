import type { ProviderSummary } from "../sink/Manifest.js"
import type { ReportData } from "./collect.js"

/**
 * The provider figures to show: every session's, summed, when the manifest has them; else the last
 * session's (a manifest from before the sums were kept), saying which.
 */
export const providerFigures = (r: ReportData): { readonly rows: ReadonlyArray<ProviderSummary>; readonly over: string } | undefined => {
  const m = r.manifest
  if (m === undefined) return undefined
  const total = m.providers_total
  if (total !== undefined && total.length > 0) return { rows: total, over: m.sessions === 1 ? "1 session" : `all ${m.sessions} sessions` }
  return m.providers.length > 0 ? { rows: m.providers, over: "last session" } : undefined
}

/**
 * Accepted conversations per minute of work: over the minutes in which any were created (a run resumed
 * the next day does not count the night), or over seconds for a run shorter than a minute.
 */
export const throughputText = (r: ReportData): string | undefined => {
  if (r.throughput.length === 0) return undefined
  if (r.throughput.length === 1 && r.spanMs < 60_000) {
    const seconds = Math.max(1, Math.round(r.spanMs / 1000))
    return `${r.accepted} accepted in ${seconds} s`
  }
  const active = r.throughput.length
  return `${r.accepted} accepted in ${active} active minute${active === 1 ? "" : "s"} (${(r.accepted / active).toFixed(1)}/min)`
}
