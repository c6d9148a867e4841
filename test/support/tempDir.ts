import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll } from "vitest"

/** A temporary directory removed after the test file; `write` puts a file in it and returns its path. */
export const tempDir = (prefix = "agentic-synth-test-") => {
  const root = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  return {
    root,
    path: (...parts: ReadonlyArray<string>) => join(root, ...parts),
    write: (name: string, content: string) => {
      const file = join(root, name)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, content)
      return file
    },
    mkdir: (name: string) => {
      const made = join(root, name)
      mkdirSync(made, { recursive: true })
      return made
    }
  }
}
