import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"

/** Complete lines of a JSONL file (a torn last line is not one). */
export const jsonlLines = (file: string): Array<string> => {
  if (!existsSync(file)) return []
  const text = readFileSync(file, "utf8")
  const lines = text.split("\n")
  lines.pop() // after the last newline: empty, or a torn line
  return lines.filter((l) => l !== "")
}

/** A fingerprint of a file, or of every file under a directory, to prove nothing changed. */
export const treeHash = (dir: string): string => {
  const hash = createHash("sha256")
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else hash.update(name).update(readFileSync(full))
    }
  }
  if (existsSync(dir)) {
    if (statSync(dir).isDirectory()) walk(dir)
    else hash.update(readFileSync(dir))
  }
  return hash.digest("hex")
}

/** A config for tests: no limits, fast retries, quick time-outs. */
export const fastConfig = (extra = "", groqConcurrency = 8) => `provider: auto
providers:
  groq:
    model: fake-model
    rpm: null
    rpd: null
    tpm: null
    tpd: null
    max_concurrency: ${groqConcurrency}
    timeout_seconds: 1
  huggingface:
    model: fake-model
    rpm: null
    max_concurrency: 8
    timeout_seconds: 1
retry:
  attempts: 3
  base_delay_ms: 10
  max_delay_ms: 50
generation:
  concurrency: 8
${extra}`
