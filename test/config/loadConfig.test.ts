import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { DEFAULT_CONFIG } from "../../src/config/defaults.js"
import { type FlagOverride, loadConfig } from "../../src/config/loadConfig.js"
import { tempDir } from "../support/tempDir.js"

const dir = tempDir()

const load = (options: { file?: string; flags?: ReadonlyArray<FlagOverride>; env?: Record<string, string> } = {}) =>
  loadConfig({ file: options.file, flags: options.flags }).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env ?? {})))),
    Effect.provide(NodeContext.layer)
  )

const refusal = (options: Parameters<typeof load>[0]) =>
  load(options).pipe(Effect.flip)

describe("loadConfig", () => {
  it.effect("uses the built-in defaults when there is no file", () =>
    Effect.gen(function*() {
      expect(yield* load()).toEqual(DEFAULT_CONFIG)
    }))

  it("configs/default.yaml states exactly the built-in defaults", () => {
    expect(parse(readFileSync("configs/default.yaml", "utf8"))).toEqual(DEFAULT_CONFIG)
  })

  it.effect("a three-line file changes only what it sets", () =>
    Effect.gen(function*() {
      const file = dir.write("three.yaml", "providers:\n  groq:\n    rpm: 20\n")
      const config = yield* load({ file })
      expect(config.providers.groq.rpm).toBe(20)
      expect(config).toEqual({ ...DEFAULT_CONFIG, providers: { ...DEFAULT_CONFIG.providers, groq: { ...DEFAULT_CONFIG.providers.groq, rpm: 20 } } })
    }))

  it.effect("an empty file is valid and keeps every default", () =>
    Effect.gen(function*() {
      expect(yield* load({ file: dir.write("empty.yaml", "# nothing here\n") })).toEqual(DEFAULT_CONFIG)
    }))

  it.effect("flags beat the environment, which beats the file, which beats the defaults", () =>
    Effect.gen(function*() {
      const file = dir.write(
        "layers.yaml",
        "generation:\n  max_items: 7\n  seed: 5\noutput:\n  dir: from-file\nproviders:\n  groq:\n    base_url: http://file.example:1/v1\n"
      )
      const env = { AGENTIC_SYNTH_OUTPUT: "from-env", GROQ_BASE_URL: "http://127.0.0.1:9999/v1" }
      const config = yield* load({
        file,
        env,
        flags: [{ flag: "--max-items", path: ["generation", "max_items"], value: 3 }]
      })
      expect(config.generation.max_items).toBe(3) // flag over file
      expect(config.generation.seed).toBe(5) // file over default
      expect(config.output.dir).toBe("from-env") // env over file
      expect(config.providers.groq.base_url).toBe("http://127.0.0.1:9999/v1") // env over file
      expect(config.generation.temperature).toBe(DEFAULT_CONFIG.generation.temperature)
      const flagged = yield* load({ file, env, flags: [{ flag: "--output", path: ["output", "dir"], value: "from-flag" }] })
      expect(flagged.output.dir).toBe("from-flag") // flag over env
    }))

  it.effect("every provider's base URL can be overridden from the environment", () =>
    Effect.gen(function*() {
      const env = {
        GROQ_BASE_URL: "http://127.0.0.1:1/v1",
        TOGETHER_BASE_URL: "http://127.0.0.1:2/v1",
        HF_BASE_URL: "http://127.0.0.1:3/v1",
        OLLAMA_BASE_URL: "http://127.0.0.1:4/v1",
        OPENAI_BASE_URL: "http://127.0.0.1:5/v1"
      }
      const config = yield* load({ env })
      expect(Object.values(config.providers).map((p) => p.base_url)).toEqual(Object.values(env))
    }))

  it.effect("the file can be named by AGENTIC_SYNTH_CONFIG", () =>
    Effect.gen(function*() {
      const file = dir.write("by-env.yaml", "generation:\n  seed: 99\n")
      expect((yield* load({ env: { AGENTIC_SYNTH_CONFIG: file } })).generation.seed).toBe(99)
    }))
})

describe("loadConfig refuses bad input with the path and the fix", () => {
  it.effect("a negative limit, naming file, line and path", () =>
    Effect.gen(function*() {
      const file = dir.write("negative.yaml", "providers:\n  groq:\n    rpm: -3\n")
      const error = yield* refusal({ file })
      expect(error.reason).toBe("InvalidValue")
      expect(error.path).toBe("providers.groq.rpm")
      expect(error.message).toBe(`${file}:3:10: providers.groq.rpm: expected a positive integer, or null for no limit, got -3`)
    }))

  it.effect("an unknown key, with a guess and the valid keys", () =>
    Effect.gen(function*() {
      const file = dir.write("typo.yaml", "generation:\n  max_itemz: 10\n")
      const error = yield* refusal({ file })
      expect(error.reason).toBe("UnknownKey")
      expect(error.message).toContain(`${file}:2:3: unknown key generation.max_itemz (did you mean max_items?)`)
      expect(error.message).toContain("valid keys there: max_items, types")
    }))

  it.effect("an unknown provider name", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.write("provider.yaml", "providers:\n  grok:\n    rpm: 3\n") })
      expect(error.reason).toBe("UnknownKey")
      expect(error.message).toContain("unknown key providers.grok (did you mean groq?)")
    }))

  it.effect("a wrong type", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.write("type.yaml", "quality:\n  dedup: sometimes\n") })
      expect(error.message).toMatch(/quality\.dedup: expected true or false, got "sometimes"$/)
    }))

  it.effect("review threads that are neither auto nor a count", () =>
    Effect.gen(function*() {
      for (const [value, shown] of [["two", `"two"`], ["-1", "-1"], ["1.5", "1.5"]] as const) {
        const error = yield* refusal({ file: dir.write(`threads-${value}.yaml`, `quality:\n  review_threads: ${value}\n`) })
        expect(error.message).toMatch(new RegExp(`quality\\.review_threads: expected auto, or a number of threads >= 0, got ${shown.replace(".", "\\.")}$`))
      }
      const taken = yield* load({ file: dir.write("threads-ok.yaml", "quality:\n  review_threads: 0\n") })
      expect(taken.quality.review_threads).toBe(0)
    }))

  it.effect("a value out of range", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.write("range.yaml", "quality:\n  min_score: 1.5\n") })
      expect(error.message).toMatch(/quality\.min_score: expected a number from 0 to 1, got 1\.5$/)
    }))

  it.effect("a mapping where a list belongs, and counts the other problems", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.write("many.yaml", "generation:\n  types: tool_usage\n  seed: -1\n") })
      expect(error.message).toContain("generation.types: expected a list of scenario types, got \"tool_usage\"")
      expect(error.message).toContain("(and 1 more problem)")
    }))

  it.effect("invalid YAML, with line and column", () =>
    Effect.gen(function*() {
      const file = dir.write("broken.yaml", "generation:\n  max_items: 5\n   seed: [1, 2\n")
      const error = yield* refusal({ file })
      expect(error.reason).toBe("InvalidYaml")
      expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:[23]:\\d+: invalid YAML: .+; fix the syntax there$`))
    }))

  it.effect("a file whose top level is not a mapping", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.write("list.yaml", "- a\n- b\n") })
      expect(error.message).toContain("expected a mapping of settings at the top level")
    }))

  it.effect("a missing file", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.path("nope.yaml") })
      expect(error.reason).toBe("FileNotFound")
      expect(error.message).toBe(`config file ${dir.path("nope.yaml")} not found; check the --config path (or AGENTIC_SYNTH_CONFIG)`)
    }))

  it.effect("an unreadable file (a directory)", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.root })
      expect(error.reason).toBe("Unreadable")
      expect(error.message).toContain(`cannot read config file ${dir.root}`)
    }))

  it.effect("a bad value from the environment names the variable", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ env: { GROQ_BASE_URL: "api.groq.com" } })
      expect(error.message).toBe(
        `GROQ_BASE_URL: expected an http(s) URL such as https://api.groq.com/openai/v1, got "api.groq.com"`
      )
    }))

  it.effect("a bad value from a flag names the flag", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ flags: [{ flag: "--max-items", path: ["generation", "max_items"], value: 0 }] })
      expect(error.message).toBe("--max-items: expected a positive integer, got 0")
    }))

  it.effect("a wrong value in the file is refused even when a flag overrides it this time", () =>
    Effect.gen(function*() {
      const file = dir.write("overridden.yaml", "generation:\n  max_items: ten\n")
      const error = yield* refusal({ file, flags: [{ flag: "--max-items", path: ["generation", "max_items"], value: 3 }] })
      expect(error.message).toMatch(/overridden\.yaml:2:14: generation\.max_items: expected a positive integer, got "ten"$/)
    }))

  it.effect("an unknown provider choice", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ env: { AGENTIC_SYNTH_PROVIDER: "gemini" } })
      expect(error.message).toBe(`AGENTIC_SYNTH_PROVIDER: expected one of auto, groq, together, huggingface, ollama, openai, got "gemini"`)
    }))

  it.effect("a key pasted into api_key_env is refused without being shown", () =>
    Effect.gen(function*() {
      const key = "gsk_4f9Qx7Lm2Rt8Vb1Nc6ZpSECRET"
      const error = yield* refusal({ file: dir.write("pasted.yaml", `providers:\n  groq:\n    api_key_env: [${key}]\n`) })
      expect(error.message).toContain("expected the NAME of an environment variable such as GROQ_API_KEY")
      expect(error.message).not.toContain(key)
    }))

  it.effect("an unresolved YAML alias is a config error with its place, not a crash", () =>
    Effect.gen(function*() {
      const error = yield* refusal({ file: dir.write("alias.yaml", "generation:\n  max_items: *nope\n") })
      expect(error.reason).toBe("InvalidYaml")
      expect(error.message).toMatch(/alias\.yaml:\d+:\d+: invalid YAML: /)
    }))

  it.effect("never passes a partial config on", () =>
    Effect.gen(function*() {
      const result = yield* Effect.either(load({ file: dir.write("partial.yaml", "generation:\n  max_items: 0\n") }))
      expect(Either.isLeft(result)).toBe(true)
    }))
})
