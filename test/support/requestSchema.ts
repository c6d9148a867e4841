import Ajv2020 from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"

const ajv = new Ajv2020.default({ strict: false, allErrors: false })
addFormats.default(ajv)
const validate = ajv.compile(JSON.parse(readFileSync(resolve("../shared/conformance/openai-chat-request.schema.json"), "utf8")))

/** Why a `/chat/completions` body breaks OpenAI's published request schema, or `undefined` when it does not. */
export const requestSchemaViolation = (body: unknown): string | undefined => {
  if (validate(body)) return undefined
  const first = validate.errors?.[0]
  return `request does not match OpenAI's schema: ${first?.instancePath ?? ""} ${first?.message ?? ""}`.trim()
}
