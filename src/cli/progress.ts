import { Effect } from "effect"
import type { Progress } from "../sink/runGeneration.js"

export const duration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 0) return "?"
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
}

/** The numbers of a progress line: done/total, outcomes, rate, ETA and each provider's state. */
export const progressText = (p: Progress): string => {
  const total = p.planned - p.skipped
  const done = p.accepted + p.rejected + p.failed
  const perMinute = p.elapsedMs > 0 ? (done * 60_000) / p.elapsedMs : 0
  const eta = perMinute > 0 ? duration((p.remaining / perMinute) * 60_000) : "?"
  const providers = p.providers.map((s) => `${s.provider}: ${s.state}`).join(", ")
  return `${done}/${total} · ✔ ${p.accepted} accepted ✘ ${p.rejected} rejected ! ${p.failed} failed · ` +
    `${perMinute.toFixed(1)}/min · ETA ${eta}${providers === "" ? "" : ` · ${providers}`}`
}

const bar = (fraction: number, width = 20) => {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width)
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`
}

/**
 * Where progress goes: on a terminal, one line redrawn in place with a bar; otherwise a plain line each
 * time (the caller calls it every few seconds). Always on stderr, so stdout keeps only the summary.
 */
export const progressReporter = (tty: boolean) => (p: Progress): Effect.Effect<void> =>
  Effect.sync(() => {
    const total = p.planned - p.skipped
    const done = p.accepted + p.rejected + p.failed
    if (tty) process.stderr.write(`\r\x1b[K${bar(total === 0 ? 1 : done / total)} ${progressText(p)}`)
    else process.stderr.write(`progress: ${progressText(p)}\n`)
  })

/** Ends a redrawn line so the summary starts on a fresh one. */
export const endProgress = (tty: boolean) => Effect.sync(() => (tty ? void process.stderr.write("\n") : undefined))
