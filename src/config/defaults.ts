import type { AppConfigData } from "./ConfigSchema.js"

/**
 * The built-in defaults: a run needs no config file at all. `configs/default.yaml` spells out the same
 * values with comments (a test keeps the two equal). Free-tier figures are as published in mid-2026;
 * the provider stage also learns the real limits from every response's headers.
 */
export const DEFAULT_CONFIG: AppConfigData = {
  provider: "auto",
  providers: {
    // Groq free plan for openai/gpt-oss-120b: 30 RPM, 1,000 RPD, 8,000 TPM, 200,000 TPD
    // (console.groq.com/docs/rate-limits). Groq retired llama-3.3-70b-versatile on 2026-08-16 and names
    // gpt-oss-120b its replacement; its thinking counts against max_tokens, so it is asked to think briefly.
    groq: {
      base_url: "https://api.groq.com/openai/v1",
      model: "openai/gpt-oss-120b",
      api_key_env: ["GROQ_API_KEY"],
      rpm: 30,
      rpd: 1000,
      tpm: 8000,
      tpd: 200000,
      max_concurrency: 4,
      timeout_seconds: 120,
      json_mode: "auto",
      reasoning_effort: "low"
    },
    // Together: prepaid credits; dynamic limits with a base rate of 60 RPM per model (docs.together.ai/docs/rate-limits).
    together: {
      base_url: "https://api.together.xyz/v1",
      model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
      api_key_env: ["TOGETHER_API_KEY"],
      rpm: 60,
      rpd: null,
      tpm: null,
      tpd: null,
      max_concurrency: 4,
      timeout_seconds: 120,
      json_mode: "auto"
    },
    // Hugging Face router: monthly credits, no published per-minute limits; start gently.
    huggingface: {
      base_url: "https://router.huggingface.co/v1",
      model: "openai/gpt-oss-120b",
      api_key_env: ["HF_TOKEN", "HUGGINGFACE_API_KEY", "HUGGING_FACE_HUB_TOKEN"],
      rpm: 30,
      rpd: null,
      tpm: null,
      tpd: null,
      max_concurrency: 4,
      timeout_seconds: 120,
      json_mode: "auto",
      reasoning_effort: "low"
    },
    // A local Ollama server: no key, no limits; one request at a time suits one GPU.
    ollama: {
      base_url: "http://localhost:11434/v1",
      model: "qwen2.5:7b",
      api_key_env: [],
      rpm: null,
      rpd: null,
      tpm: null,
      tpd: null,
      max_concurrency: 1,
      timeout_seconds: 300,
      json_mode: "auto"
    },
    // Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, a gateway): set OPENAI_BASE_URL.
    openai: {
      base_url: "https://api.openai.com/v1",
      model: "gpt-4o-mini",
      api_key_env: ["OPENAI_API_KEY"],
      rpm: null,
      rpd: null,
      tpm: null,
      tpd: null,
      max_concurrency: 4,
      timeout_seconds: 120,
      json_mode: "auto"
    }
  },
  retry: {
    attempts: 4,
    base_delay_ms: 500,
    max_delay_ms: 30000,
    unreachable_seconds: 120
  },
  generation: {
    max_items: 100,
    types: [],
    samples_per_variation: null,
    temperature: 0.9,
    seed: 42,
    concurrency: 8,
    max_attempts: 3,
    max_tokens: 3000
  },
  quality: {
    min_score: 0.7,
    dedup: true,
    dedup_threshold: 0.8,
    weights: { structure: 0.2, tool_use: 0.25, reasoning: 0.2, completeness: 0.2, naturalness: 0.15 },
    complexity: { medium: 4, high: 9 },
    judge: { enabled: false, provider: "auto", model: null, weight: 0.3 },
    review_threads: "auto",
    quotas: { per_type: null, per_complexity: { low: null, medium: null, high: null } }
  },
  output: {
    dir: "runs/default"
  },
  catalog: {
    builtin: true,
    dirs: []
  }
}
