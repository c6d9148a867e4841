/** What an error body says, whichever of the shapes providers use it came in. */
export interface ErrorBody {
  readonly message: string
  readonly type?: string | undefined
  readonly code?: string | undefined
  /** Groq's raw model output on `tool_use_failed` / `json_validate_failed`: diagnostics, never data. */
  readonly failedGeneration?: string | undefined
  /** Hugging Face's "Model ... is currently loading" 503: `estimated_time`, in seconds, as ms. */
  readonly estimatedMs?: number | undefined
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined

/**
 * Reads `{"error": {"message", "type", "code"}}` (OpenAI, Groq, Together, vLLM, Ollama),
 * `{"error": "..."}` (LM Studio, HF), `{"message": "..."}` and `{"detail": ...}` (HF, FastAPI), or a
 * plain-text body.
 */
export const parseErrorBody = (body: string): ErrorBody => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    const plain = body.trim().replace(/\s+/g, " ")
    return { message: plain === "" ? "(empty body)" : plain.slice(0, 300) }
  }
  if (typeof json !== "object" || json === null) return { message: String(json) }
  const record = json as Record<string, unknown>
  const error = record["error"]
  if (typeof error === "object" && error !== null) {
    const inner = error as Record<string, unknown>
    return {
      message: text(inner["message"]) ?? JSON.stringify(error),
      type: text(inner["type"]) ?? text(record["error_type"]),
      code: text(inner["code"]) ?? text(record["error_type"]),
      failedGeneration: text(inner["failed_generation"])
    }
  }
  if (typeof error === "string") {
    const estimated = record["estimated_time"]
    return {
      message: error,
      type: text(record["error_type"]),
      code: text(record["error_type"]),
      ...(typeof estimated === "number" && estimated > 0 && Number.isFinite(estimated) ? { estimatedMs: Math.round(estimated * 1000) } : {})
    }
  }
  const detail = record["detail"]
  const message = text(record["message"]) ??
    text(detail) ??
    (Array.isArray(detail)
      ? detail.map((d) => {
        // FastAPI/pydantic: `{"loc": ["body", "reasoning_effort"], "msg": "Extra inputs are not permitted"}`; the field is in `loc`.
        const item = d as Record<string, unknown> | null
        const msg = text(item?.["msg"])
        const loc = Array.isArray(item?.["loc"]) ? (item!["loc"] as ReadonlyArray<unknown>).map(String).join(".") : undefined
        return msg === undefined ? JSON.stringify(d) : loc === undefined ? msg : `${loc}: ${msg}`
      }).join("; ")
      : undefined)
  return { message: message ?? body.slice(0, 300), type: text(record["type"]), code: text(record["code"]) }
}
