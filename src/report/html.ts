import type { Conversation } from "../domain/Conversation.js"
import type { ReportData } from "./collect.js"
import { providerFigures } from "./figures.js"

const esc = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** A horizontal bar chart as inline SVG; `id` is its `data-chart` name (the browser test reads it). */
const bars = (id: string, title: string, entries: ReadonlyArray<readonly [string, number]>): string => {
  if (entries.length === 0) return `<figure data-chart="${id}"><figcaption>${esc(title)}</figcaption><p class="empty">nothing to show</p></figure>`
  const max = Math.max(1, ...entries.map(([, v]) => v))
  const row = 22
  // Room for the longest label (scenario ids run to 40 characters), within reason; a longer one is
  // cut with an ellipsis and keeps its full text as a tooltip.
  const CHAR = 7
  const longest = Math.max(...entries.map(([label]) => label.length))
  const labelWidth = Math.min(52 * CHAR, Math.max(120, longest * CHAR + 12))
  const fits = Math.floor((labelWidth - 12) / CHAR)
  const width = labelWidth + 380
  const body = entries.map(([label, value], i) => {
    const w = Math.round(((width - labelWidth - 60) * value) / max)
    const shown = label.length > fits ? `${label.slice(0, fits - 1)}…` : label
    return `<g data-bar="${esc(label)}" data-value="${value}"><text x="${labelWidth - 8}" y="${i * row + 15}" text-anchor="end"><title>${esc(label)}</title>${esc(shown)}</text>` +
      `<rect x="${labelWidth}" y="${i * row + 4}" width="${w}" height="${row - 8}" rx="3"></rect>` +
      `<text x="${labelWidth + w + 6}" y="${i * row + 15}" class="value">${value}</text></g>`
  }).join("")
  return `<figure data-chart="${id}"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${width} ${entries.length * row + 4}" width="${width}" role="img" aria-label="${esc(title)}">${body}</svg></figure>`
}

/** Vertical columns (a histogram or a time series) as inline SVG. */
const columns = (id: string, title: string, entries: ReadonlyArray<readonly [string, number]>): string => {
  const max = Math.max(1, ...entries.map(([, v]) => v))
  const width = 560
  const height = 160
  const w = Math.max(4, Math.floor((width - 20) / Math.max(1, entries.length)))
  const body = entries.map(([label, value], i) => {
    const h = Math.round(((height - 40) * value) / max)
    return `<g data-bar="${esc(label)}" data-value="${value}"><rect x="${10 + i * w}" y="${height - 20 - h}" width="${w - 3}" height="${h}" rx="2"></rect>` +
      (entries.length <= 12 ? `<text x="${10 + i * w + (w - 3) / 2}" y="${height - 6}" text-anchor="middle" class="tick">${esc(label)}</text>` : "") +
      (value > 0 && entries.length <= 20 ? `<text x="${10 + i * w + (w - 3) / 2}" y="${height - 24 - h}" text-anchor="middle" class="value">${value}</text>` : "") + `</g>`
  }).join("")
  return `<figure data-chart="${id}"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="${esc(title)}">${body}</svg></figure>`
}

const sorted = (counts: Readonly<Record<string, number>>) => Object.entries(counts).sort((a, b) => b[1] - a[1])
const byNumber = (counts: Readonly<Record<string, number>>) => Object.entries(counts).sort((a, b) => Number(a[0]) - Number(b[0]))

/** One conversation as chat bubbles, its calls and results shown as code. */
export const conversationHtml = (c: Conversation, note?: string): string => {
  const badges = [
    c.quality_score === undefined ? "not scored" : `quality ${c.quality_score.toFixed(2)}`,
    ...(c.complexity === undefined ? [] : [`${c.complexity} complexity`]),
    ...(c.agentic_patterns ?? [])
  ].map((b) => `<span class="badge">${esc(b)}</span>`).join("")
  const turns = c.turns.map((t) => {
    if (t.role === "tool") return `<div class="bubble tool"><div class="who">${esc(t.name)} → ${esc(t.tool_call_id)}</div><pre>${esc(t.content)}</pre></div>`
    const calls = t.role === "assistant"
      ? (t.tool_calls ?? []).map((call) => `<pre class="call">${esc(call.function.name)}(${esc(JSON.stringify(call.function.arguments, null, 1))}) <span class="id">${esc(call.id)}</span></pre>`).join("")
      : ""
    return `<div class="bubble ${t.role}"><div class="who">${t.role}</div>${t.content === "" ? "" : `<p>${esc(t.content).replace(/\n/g, "<br>")}</p>`}${calls}</div>`
  }).join("")
  return `<details class="conversation" data-id="${esc(c.id)}"><summary><code>${esc(c.id)}</code> ${esc(c.scenario.title)} ${badges}${note === undefined ? "" : ` <span class="reason">${esc(note)}</span>`}</summary><div class="chat">${turns}</div></details>`
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.8}
main{padding:20px 28px;max-width:1240px}section{background:#fff;border-radius:8px;padding:14px 18px;margin:0 0 16px;box-shadow:0 1px 2px #0001}
h2{font-size:16px;margin:0 0 10px}.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}.card{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:22px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px}
figure{margin:0}figure svg{max-width:100%;height:auto}figcaption{font-weight:600;margin-bottom:6px}svg rect{fill:#3b6fd8}svg text{font-size:12px;fill:#1d2330}svg .value{fill:#555}svg .tick{fill:#666;font-size:10px}
table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}
.conversation{border:1px solid #e4e7ec;border-radius:8px;margin:8px 0;background:#fff}.conversation summary{cursor:pointer;padding:8px 12px}
.badge{display:inline-block;background:#eef2fb;color:#2b4fa0;border-radius:10px;padding:0 8px;margin-left:4px;font-size:12px}.reason{color:#b3261e;font-weight:600}
.chat{padding:8px 14px 14px;display:flex;flex-direction:column;gap:8px}.bubble{max-width:78%;border-radius:12px;padding:8px 12px}
.bubble .who{font-size:11px;text-transform:uppercase;letter-spacing:.04em;opacity:.6}.bubble p{margin:4px 0}
.user{align-self:flex-end;background:#3b6fd8;color:#fff}.assistant{align-self:flex-start;background:#eef0f4}.system{align-self:center;background:#fff6d6}
.tool{align-self:flex-start;background:#f3f7ee;border:1px solid #d9e6cc;margin-left:24px}pre{white-space:pre-wrap;word-break:break-word;margin:4px 0;font-size:12px}
pre.call{background:#1d2330;color:#e6edf3;border-radius:6px;padding:6px 8px}.id{color:#8aa2c8}.empty{color:#888}`

/** The whole report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched. */
export const reportHtml = (r: ReportData): string => {
  const top = r.funnel[0]!.count
  const typeRows = Object.entries(r.byType).map(([t, c]) =>
    `<tr><td>${esc(t)}</td><td>${c.accepted}</td><td>${c.rejected}</td><td>${c.failed}</td></tr>`).join("")
  const providers = providerFigures(r)
  const providerRows = (providers?.rows ?? []).map((p) =>
    `<tr><td>${esc(p.provider)}</td><td>${esc(p.model)}</td><td>${p.requests}</td><td>${p.retries ?? 0}</td><td>${p.rate_limited}</td><td>${p.prompt_tokens}</td><td>${p.completion_tokens}</td></tr>`).join("")
  const card = (label: string, value: string, id: string) => `<div class="card" data-card="${id}"><b>${esc(value)}</b>${esc(label)}</div>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>agentic-synth report: ${esc(r.dir)}</title><style>${STYLE}</style></head>
<body><header><h1>agentic-synth report</h1><p>${esc(r.dir)}${r.manifest === undefined ? "" : ` · run ${esc(r.manifest.run_id)} · ${esc(r.manifest.status)} · updated ${esc(r.manifest.updated_at)}`}</p></header>
<main>
<div class="cards">${card("accepted", String(r.accepted), "accepted")}${card("rejected", String(r.rejected), "rejected")}${card("failed", String(r.failed), "failed")}${card("mean quality", r.meanQuality === undefined ? "–" : r.meanQuality.toFixed(3), "quality")}</div>
<section><h2>Funnel</h2>${bars("funnel", `from ${top} planned to ${r.accepted} kept`, r.funnel.map((f) => [f.stage, f.count]))}</section>
<section><h2>By type</h2><table data-table="types"><tr><th>type</th><th>accepted</th><th>rejected</th><th>failed</th></tr>${typeRows}</table></section>
<section><h2>Quality</h2><div class="grid">
${columns("quality", "quality score histogram (accepted)", r.qualityHistogram.map((n, i) => [(i / 10).toFixed(1), n]))}
${bars("dimensions", "mean per dimension (× 100)", Object.entries(r.dimensionMeans).map(([d, m]) => [d, Math.round(m * 100)]))}
${bars("complexity", "complexity", (["low", "medium", "high"] as const).map((k) => [k, r.complexity[k] ?? 0]))}
${bars("patterns", "agentic patterns", sorted(r.patterns))}
</div></section>
<section><h2>Tools and shape</h2><div class="grid">
${bars("tools", "calls per tool", sorted(r.callsPerTool))}
${columns("calls", "calls per conversation", byNumber(r.callsPerConversation))}
${columns("turns", "turns per conversation", byNumber(r.turnsPerConversation))}
${bars("scenarios", "accepted per scenario (top 15)", sorted(r.byScenario).slice(0, 15))}
</div></section>
<section><h2>Rejections and failures</h2><div class="grid">${bars("rejections", "rejection reasons", sorted(r.rejections))}${bars("failures", "failure reasons", sorted(r.failures))}</div></section>
<section><h2>Providers${providers === undefined ? "" : ` (${esc(providers.over)})`}</h2>${providerRows === "" ? `<p class="empty">no provider figures in run.json</p>` : `<table data-table="providers"><tr><th>provider</th><th>model</th><th>requests</th><th>retries</th><th>429s</th><th>prompt tokens</th><th>completion tokens</th></tr>${providerRows}</table>`}
${columns("throughput", "accepted per minute of the run", r.throughput.map((t) => [String(t.minute), t.count]))}</section>
<section data-samples="accepted"><h2>Sample of accepted conversations (${r.samples.accepted.length})</h2>${r.samples.accepted.map((c) => conversationHtml(c)).join("")}</section>
<section data-samples="rejected"><h2>Sample of rejected conversations (${r.samples.rejected.length})</h2>${
    r.samples.rejected.map((x) => {
      const why = x.rejection === undefined ? "unknown reason" : `${x.rejection.reason}: ${x.rejection.message}`
      return x.conversation === undefined
        ? `<details class="conversation" data-id="${esc(String(x.id))}"><summary><code>${esc(String(x.id))}</code> <span class="reason">${esc(why)}</span></summary><div class="chat"><pre>${esc(x.raw ?? "(no output kept)")}</pre></div></details>`
        : conversationHtml(x.conversation, why)
    }).join("")
  }</section>
</main></body></html>
`
}
